using Microsoft.Extensions.Options;

namespace Clearing.Vault.Application;

/// <summary>Ticks the vault's books: withdrawals whose lock-up ended are paid, owed fees settled, NAV points recorded.</summary>
public sealed class VaultClock(VaultLedger ledger, IOptions<VaultOptions> options, ILogger<VaultClock> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ClockInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ledger.TickAsync(options.Value.NavInterval, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A refusal here (a position with no mark yet) or a store hiccup: the next tick tries again.
                logger.LogWarning(e, "Vault clock tick failed; retrying on the next tick");
            }
        }
    }
}
