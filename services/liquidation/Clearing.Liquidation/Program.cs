using Clearing.Liquidation.Extensions;
using Clearing.Liquidation.Grpc;
using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();   // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddLiquidationService(); // Extensions/LiquidationServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();      // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<LiquidationQueryGrpcService>();
app.MapGrpcService<ReplayGrpcService>();
app.Run();
