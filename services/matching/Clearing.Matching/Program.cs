using Clearing.Matching.Extensions;
using Clearing.Matching.Grpc;
using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();   // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddMatchingService();   // Extensions/MatchingServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();      // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<GovernanceEmergencyGrpcService>();
app.MapGrpcService<ReplayGrpcService>();
app.Run();
