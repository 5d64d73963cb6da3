using Clearing.Liquidation.Options;
using Microsoft.Extensions.Options;

namespace Clearing.Liquidation.Application;

/// <summary>
/// Time as input to the domain: every ClockInterval the engine advances active liquidations to the current time (slice
/// deadlines, cooldowns, "the book did not absorb it, the fund takes over").
/// </summary>
public sealed class LiquidationClock(LiquidationEngine engine, TimeProvider time, IOptions<LiquidationOptions> options, ILogger<LiquidationClock> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ClockInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await engine.TickAsync(time.GetUtcNow(), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next tick decides again from stored state; a store hiccup must not stop the clock for good.
                logger.LogError(e, "Liquidation clock tick failed; retrying at the next tick");
            }
        }
    }
}
