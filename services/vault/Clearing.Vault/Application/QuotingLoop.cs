using System.Globalization;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Domain.Quoting;
using Clearing.Vault.Integration;

namespace Clearing.Vault.Application;

/// <summary>
/// The vault's market making: every interval, for each quoted market, plans quotes around the oracle index from the
/// vault's position and NAV (<see cref="QuotingStrategy"/>), and sends the gateway the cancels and post-only orders that
/// bring the book in line (<see cref="QuoteReconciler"/>). The first pass cancels everything the vault may have left in
/// a book from an earlier run. A STALE or circuit-broken oracle — or none within MaxPriceAge — plans no quotes, so the
/// next pass cancels them: quotes are gone within one interval of the price turning.
/// </summary>
public sealed class QuotingLoop(
    VaultLedger ledger,
    MarketPrices prices,
    LiveQuotes live,
    IQuoteSink sink,
    IReadOnlyList<QuoteParameters> markets,
    IReadOnlyDictionary<string, string> underlyingOf,
    TimeSpan interval,
    TimeProvider time,
    ILogger<QuotingLoop> logger,
    VaultParametersGateway? caps = null) : BackgroundService
{
    private long _orders;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var market in markets)
        {
            await sink.CancelAllAsync(market.Market, stoppingToken);
            live.GoneAll(market.Market);
        }

        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A store or gateway hiccup: the next pass reconciles again from what is known.
                logger.LogWarning(e, "Vault quoting pass failed; retrying on the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One reconciliation of every quoted market.</summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        var state = (await ledger.LoadAsync(cancellationToken)).State;
        var marks = prices.Marks;
        var now = time.GetUtcNow();
        decimal nav;
        try
        {
            nav = VaultBook.Nav(state, marks, now).Nav;
        }
        catch (VaultRefusedException)
        {
            nav = 0m;   // a position without a mark: no NAV to size quotes on, so every plan pulls its quotes
        }

        foreach (var p in markets)
        {
            var price = prices.Asset(underlyingOf[p.Market]);
            var input = price is null
                ? new QuoteInput(0m, OracleStatus.Stale, DateTimeOffset.MinValue, now, 0m, 0m, nav)
                : new QuoteInput(price.Index, price.Status, price.At, now, price.Volatility, state.Positions.GetValueOrDefault(p.Market)?.Size ?? 0m, nav);
            var plan = QuotingStrategy.Plan(caps is null ? p : caps.Limit(p, state, marks, nav, now), input);
            var changes = QuoteReconciler.Reconcile(live.In(p.Market), plan);
            foreach (var cancel in changes.Cancel)
            {
                await sink.CancelAsync(p.Market, cancel.OrderId, cancellationToken);
                // Gone either way: accepted, or refused because matching no longer has it.
                live.Gone(p.Market, cancel.OrderId);
            }

            foreach (var quote in changes.Place)
            {
                var orderId = string.Create(CultureInfo.InvariantCulture, $"vq-{_run}-{Interlocked.Increment(ref _orders)}");
                if (await sink.PlaceAsync(p.Market, orderId, quote, cancellationToken))
                {
                    live.Placed(p.Market, new LiveQuote(orderId, quote.Side, quote.Price, quote.Size));
                }
            }
        }
    }
}
