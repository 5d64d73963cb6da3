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
/// next pass cancels them. The turn of a price is not left to the timer: <see cref="MarketPrices.Pulls"/> wakes the loop
/// at once and <see cref="PullAsync"/> cancels the market's quotes in one cancel-all without loading the vault's books,
/// because the time from the oracle's STALE to an empty book is what a manipulated or broken feed is able to exploit.
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
        Task<bool> tick = Task.FromResult(true);   // the first pass runs at once
        Task<bool>? pull = null;
        while (true)
        {
            // Both waits are kept across turns of the loop: a new wait per turn would pile up unfinished waiters.
            pull ??= prices.Pulls.WaitToReadAsync(stoppingToken).AsTask();
            if (await Task.WhenAny(tick, pull) == pull)
            {
                pull = null;
                while (prices.Pulls.TryRead(out _))
                {
                }

                await GuardedAsync(PullAsync, stoppingToken);
                continue;
            }

            if (!await tick)
            {
                return;
            }

            await GuardedAsync(PassAsync, stoppingToken);
            tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
        }
    }

    private async Task GuardedAsync(Func<CancellationToken, Task> step, CancellationToken stoppingToken)
    {
        try
        {
            await step(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A store or gateway hiccup: the next pass reconciles again from what is known.
            logger.LogWarning(e, "Vault quoting step failed; retrying on the next interval");
        }
    }

    /// <summary>
    /// Withdraws every quote in each market whose oracle is not OK, in one cancel-all per market. Planning is not needed
    /// for that answer, so neither are the vault's books.
    /// </summary>
    public async Task PullAsync(CancellationToken cancellationToken)
    {
        foreach (var p in markets)
        {
            if (prices.Asset(underlyingOf[p.Market]) is { Status: OracleStatus.Ok } || live.In(p.Market).Count == 0)
            {
                continue;
            }

            // A refused cancel-all keeps the quotes on the books here, so the timed pass still cancels them one by one.
            if (await sink.CancelAllAsync(p.Market, cancellationToken))
            {
                live.GoneAll(p.Market);
                logger.LogInformation("Vault quotes in {Market} pulled: the oracle of {Asset} is not OK", p.Market, underlyingOf[p.Market]);
            }
        }
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
