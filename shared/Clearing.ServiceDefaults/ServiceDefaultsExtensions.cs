using Clearing.ServiceDefaults.Configuration;
using Clearing.ServiceDefaults.Grpc;
using Clearing.ServiceDefaults.Health;
using Clearing.ServiceDefaults.Hosting;
using Clearing.ServiceDefaults.Resilience;
using Clearing.ServiceDefaults.Security;
using Clearing.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// What every Clearing host has: validated configuration (bad values stop start-up naming the key), health
    /// checks, OpenTelemetry with a Prometheus endpoint, JSON logs, the named Polly pipelines, a graceful
    /// shutdown budget, Kestrel's two endpoints, gRPC, and who-may-call-what (every endpoint declares its callers).
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        // Lowest-priority defaults: a line per request from ASP.NET Core at Information would drown the service's
        // own logs; Logging__LogLevel__* (Helm values) still overrides any of these.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            },
        });

        builder.AddValidatedOptions<ClearingOptions>(ClearingOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClearingOptions>, DataDirectoryValidator>());

        // Stop budget for hosted services: consumers finish the message in hand and commit, producers flush.
        services.AddOptions<HostOptions>().Configure<IOptions<ClearingOptions>>((host, clearing) => host.ShutdownTimeout = clearing.Value.ShutdownTimeout);
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelEndpointsSetup>();

        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("process is running"), [HealthTags.Live]);

        builder.AddClearingTelemetry();
        services.AddClearingResiliencePipelines();
        builder.AddClearingSecurity();
        services.AddGrpc(o =>
        {
            o.Interceptors.Add<GrpcExceptionInterceptor>();
            o.EnableDetailedErrors = builder.Environment.IsDevelopment();
        });
        return builder;
    }

    /// <summary>
    /// /health/live (the process answers), /health/ready (every check tagged "ready": event store, Kafka, Dapr …)
    /// and /metrics (Prometheus text). All three are explicitly anonymous: probes and scrapers carry no credentials,
    /// and they reveal only up/down and counters.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(HealthTags.Live),
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(HealthTags.Ready),
            ResponseWriter = HealthReportWriter.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return app;
    }
}
