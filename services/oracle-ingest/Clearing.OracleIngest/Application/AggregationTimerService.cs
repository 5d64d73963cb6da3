namespace Clearing.OracleIngest.Application;

/// <summary>
/// Re-aggregates every asset on a clock: reports age out without new ones arriving, so an index must go STALE (and a
/// tripped breaker may settle) even when every publisher has gone quiet. Quiet ticks append nothing.
/// </summary>
public sealed class AggregationTimerService(OracleIngestion ingestion, Microsoft.Extensions.Options.IOptions<Options.OracleIngestOptions> options, TimeProvider time, ILogger<AggregationTimerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AggregationInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ingestion.TickAllAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The store may be briefly unavailable: the next tick tries again, nothing is lost (ticks carry no input).
                logger.LogWarning(e, "timer aggregation failed: {Message}", e.Message);
            }
        }
    }
}
