using Clearing.Margin.Extensions;
using Clearing.Margin.Grpc;
using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();   // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddMarginService();     // Extensions/MarginServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();      // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<AccountsGrpcService>();
app.MapGrpcService<MarginAdminGrpcService>();
app.MapGrpcService<ReplayGrpcService>();
app.Run();
