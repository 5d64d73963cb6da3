using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Operations;
using Clearing.Vault.Extensions;
using Clearing.Vault.Grpc;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();   // validated config, health, OpenTelemetry, Polly, shutdown, who-may-call-what
builder.AddVaultService();      // Extensions/VaultServiceExtensions.cs
var app = builder.Build();
app.MapDefaultEndpoints();      // /health/live, /health/ready, /metrics: anonymous, for probes and scrapers
app.MapGrpcService<VaultGrpcService>();
app.MapGrpcService<ReplayGrpcService>();
app.Run();
