using Clearing.Governance.Extensions;
using Clearing.Governance.Grpc;
using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();     // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddGovernanceService();   // Extensions/GovernanceServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();        // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<GovernanceGrpcService>();
app.MapGrpcService<ReplayGrpcService>();
app.Run();
