using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;
using Clearing.Settlement.Extensions;
using Clearing.Settlement.Grpc;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();   // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddSettlementService(); // Extensions/SettlementServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();      // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<ReplayGrpcService>();
app.MapGrpcService<SettlementQueryGrpcService>();
app.Run();
