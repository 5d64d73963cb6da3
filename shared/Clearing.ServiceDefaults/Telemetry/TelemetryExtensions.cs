using Clearing.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Clearing.ServiceDefaults.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>Every Clearing ActivitySource and Meter is named "Clearing.*" so this one wildcard picks them up.</summary>
    public const string ClearingSources = "Clearing.*";

    public static void AddClearingTelemetry(this IHostApplicationBuilder builder)
    {
        // Structured logs: JSON lines (one object per event, scopes included) wherever a log collector reads stdout;
        // the human-friendly single-line format only for local development.
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        else
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        var configuration = builder.Configuration;
        var telemetry = builder.Services.AddOpenTelemetry()
            // Read when the providers are built (after every Add*Service ran), so the service's own name is used.
            .ConfigureResource(r => r.AddService(
                serviceName: configuration[$"{ClearingOptions.Section}:{nameof(ClearingOptions.ServiceName)}"] ?? builder.Environment.ApplicationName,
                serviceNamespace: "clearing"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(ClearingSources)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(ClearingSources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbeOrScrape(context.Request.Path))
                .AddHttpClientInstrumentation());

        // OTLP only when a collector is configured: exporting to a default localhost:4317 that nobody listens on
        // would just log connection errors on every batch.
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase);
}
