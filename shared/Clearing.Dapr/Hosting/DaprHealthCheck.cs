using Clearing.Dapr.State;
using Dapr.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Clearing.Dapr.Hosting;

/// <summary>
/// Readiness of the state and pub/sub plumbing. With Dapr enabled: the sidecar answers GetMetadata and has loaded
/// both configured components (a sidecar that is up but lacks the state store would fail every request). Embedded:
/// the SQLite file opens and answers a query.
/// </summary>
public sealed class DaprHealthCheck(IOptions<DaprOptions> options, IServiceProvider services) : IHealthCheck
{
    public const string Name = "dapr";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        return settings.Enabled
            ? await CheckSidecarAsync(settings, cancellationToken)
            : await CheckEmbeddedAsync(cancellationToken);
    }

    private async Task<HealthCheckResult> CheckSidecarAsync(DaprOptions settings, CancellationToken cancellationToken)
    {
        var client = (DaprClient)services.GetService(typeof(DaprClient))!;
        DaprMetadata metadata;
        try
        {
            metadata = await client.GetMetadataAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Dapr sidecar did not answer GetMetadata: {ex.GetBaseException().Message}", ex);
        }

        var loaded = metadata.Components.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var missing = new[] { settings.StateStoreName, settings.PubSubName }.Where(n => !loaded.Contains(n)).ToArray();
        var data = new Dictionary<string, object>
        {
            ["appId"] = metadata.Id,
            ["components"] = string.Join(",", metadata.Components.Select(c => $"{c.Name}({c.Type})")),
        };
        return missing.Length == 0
            ? HealthCheckResult.Healthy($"Dapr sidecar of '{metadata.Id}' has {settings.StateStoreName} and {settings.PubSubName}", data)
            : HealthCheckResult.Unhealthy(
                $"Dapr sidecar of '{metadata.Id}' has not loaded component(s) {string.Join(", ", missing)}; check the component YAMLs and scopes",
                data: data);
    }

    private async Task<HealthCheckResult> CheckEmbeddedAsync(CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(IStateStore)) is not SqliteStateStore store)
        {
            return HealthCheckResult.Unhealthy("Dapr is disabled but the registered state store is not the embedded SQLite store");
        }

        try
        {
            var keys = await store.CountKeysAsync(cancellationToken);
            return HealthCheckResult.Healthy($"embedded state store '{store.Name}' at {store.DatabasePath} ({keys} keys)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"embedded state store at {store.DatabasePath} cannot be opened: {ex.Message}", ex);
        }
    }
}
