using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clearing.EventSourcing;

/// <summary>Ready means the store answers a cheap read within the probe's budget.</summary>
public sealed class EventStoreHealthCheck(IEventStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            var head = await store.GetHeadPositionAsync(timeout.Token);
            if (store is Sqlite.SqliteEventStore { CheckpointFailure: { } failure })
            {
                // Appends still work (commits checkpoint themselves past a bound), but the log grows and the disk wants a look.
                return HealthCheckResult.Degraded($"{store.GetType().Name} at position {head}; background WAL checkpoints fail: {failure.Message}", failure);
            }

            return HealthCheckResult.Healthy($"{store.GetType().Name} at position {head}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || timeout.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{store.GetType().Name} did not answer: {ex.Message}", ex);
        }
    }
}
