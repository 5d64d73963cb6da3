using Microsoft.Extensions.Options;

namespace Clearing.Settlement.Application;

/// <summary>
/// The timers: every tick reads the clock once and hands that instant to the fixing and the epoch close, which decide
/// from it alone (time is an input, DESIGN §6). A failing tick is logged and retried at the next one.
/// </summary>
public sealed class SettlementClock(
    ExpiryProcessor expiry,
    LedgerProcessor ledger,
    IOptions<SettlementOptions> options,
    TimeProvider time,
    ILogger<SettlementClock> logger) : BackgroundService
{
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
        await expiry.FixDueAsync(now, cancellationToken);
        await ledger.CloseDueEpochsAsync(now, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.TimerInterval, time);
        do
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Settlement tick failed; retrying at the next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
