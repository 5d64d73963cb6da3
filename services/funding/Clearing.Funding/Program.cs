using Clearing.Funding.Extensions;
using Clearing.Funding.Grpc;
using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();   // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddFundingService();    // Extensions/FundingServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();      // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<FundingQueryGrpcService>();
app.MapGrpcService<ReplayGrpcService>();
app.Run();
