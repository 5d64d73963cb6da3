using Clearing.OrderGateway.Extensions;
using Clearing.OrderGateway.Grpc;
using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();   // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddOrderGatewayService(); // Extensions/OrderGatewayServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();      // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<ReplayGrpcService>();
app.MapGrpcService<OrderGatewayGrpcService>(); // gRPC on the gRPC port; its JSON transcoding also answers HTTP/1.1 on the HTTP port
app.Run();
