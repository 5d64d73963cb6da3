using Clearing.OracleIngest.Extensions;
using Clearing.OracleIngest.Grpc;
using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();   // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddOracleIngestService(); // Extensions/OracleIngestServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();      // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<PricePublisherGrpcService>(); // Service callers; each report is also signed by its publisher
app.MapGrpcService<OracleAdminGrpcService>();
app.MapGrpcService<ReplayGrpcService>();
app.Run();
