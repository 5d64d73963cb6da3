using System.Globalization;

namespace Clearing.Vault.Domain.Quoting;

public enum OracleStatus
{
    Ok,
    Stale,
    CircuitBreaker,
}

/// <summary>What the strategy sees of a market: the oracle's index and status, when it came, the recent volatility, the vault's position and NAV.</summary>
public sealed record QuoteInput(
    decimal IndexPrice,
    OracleStatus Status,
    DateTimeOffset PriceAt,
    DateTimeOffset Now,
    decimal Volatility,
    decimal Position,
    decimal Nav);

public enum QuoteSide
{
    Bid,
    Ask,
}

public sealed record Quote(QuoteSide Side, decimal Price, decimal Size);

/// <summary>The quotes the vault wants in the book for one market (none, one or two), and why.</summary>
public sealed record QuotePlan(string Market, IReadOnlyList<Quote> Quotes, decimal HalfSpread, decimal ExposureCap, decimal Exposure, string Reason)
{
    public Quote? Bid => Quotes.FirstOrDefault(q => q.Side == QuoteSide.Bid);

    public Quote? Ask => Quotes.FirstOrDefault(q => q.Side == QuoteSide.Ask);
}

/// <summary>
/// The vault's market making as a pure function of the oracle and its own book. Quotes sit around the oracle index,
/// never the book (a book the vault is the only maker in cannot be its own reference): half-spread = base + k × recent
/// absolute return (capped), the centre skewed against the inventory by at most one half-spread so the bid never rises
/// above the index nor the ask falls below it, and sizes cut so a fill can never take the position past the market's
/// exposure cap (the smaller of a notional cap and a share of NAV). A price the vault cannot trust — STALE, circuit
/// breaker, or simply too old — means no quotes at all.
/// </summary>
public static class QuotingStrategy
{
    public static QuotePlan Plan(QuoteParameters p, QuoteInput input)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Status != OracleStatus.Ok)
        {
            return Pull(p, $"oracle {(input.Status == OracleStatus.Stale ? "STALE" : "CIRCUIT_BREAKER")}: quotes pulled");
        }

        if (input.Now - input.PriceAt > p.MaxPriceAge)
        {
            return Pull(p, $"no price for {(input.Now - input.PriceAt).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms (more than {p.MaxPriceAge.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}): quotes pulled");
        }

        if (input.IndexPrice <= 0)
        {
            return Pull(p, "no positive index price: quotes pulled");
        }

        var cap = Math.Min(p.MaxNotional, p.MaxShareOfNav * Math.Max(0m, input.Nav));
        var exposure = input.Position * input.IndexPrice;
        var halfSpread = Math.Min(p.MaxHalfSpread, p.BaseHalfSpread + p.VolatilityMultiplier * Math.Max(0m, input.Volatility));
        if (cap <= 0)
        {
            return new QuotePlan(p.Market, [], halfSpread, cap, exposure, "no exposure allowed (NAV or cap is zero): no quotes");
        }

        var inventory = Math.Clamp(exposure / cap, -1m, 1m);
        var width = halfSpread * input.IndexPrice;
        var centre = input.IndexPrice - p.InventorySkew * inventory * width;
        var bidPrice = p.Ticks(Math.Min(centre - width, input.IndexPrice), up: false);
        var askPrice = p.Ticks(Math.Max(centre + width, input.IndexPrice), up: true);
        var quoteSize = p.LotsDown(p.QuoteNotional / input.IndexPrice);
        // Valued at the index, the position after a full fill stays inside ±cap.
        var bidSize = Math.Min(quoteSize, p.LotsDown(Math.Max(0m, cap - exposure) / input.IndexPrice));
        var askSize = Math.Min(quoteSize, p.LotsDown(Math.Max(0m, cap + exposure) / input.IndexPrice));
        var quotes = new List<Quote>(2);
        if (bidSize > 0 && bidPrice >= p.TickSize)
        {
            quotes.Add(new Quote(QuoteSide.Bid, bidPrice, bidSize));
        }

        if (askSize > 0)
        {
            quotes.Add(new Quote(QuoteSide.Ask, askPrice, askSize));
        }

        var reason = string.Create(CultureInfo.InvariantCulture,
            $"index {input.IndexPrice}, half-spread {Math.Round(halfSpread * 10_000m, 2)} bps, inventory {Math.Round(inventory * 100m, 2)}% of cap {cap}")
            + (bidSize <= 0 ? "; long cap reached: no bid" : string.Empty) + (askSize <= 0 ? "; short cap reached: no ask" : string.Empty);
        return new QuotePlan(p.Market, quotes, halfSpread, cap, exposure, reason);
    }

    /// <summary>
    /// The next recent-volatility estimate: a moving average of absolute index returns (decimal, rounded at 12 places),
    /// so no square root or float is needed and a replay gives the same spreads.
    /// </summary>
    public static decimal NextVolatility(decimal previous, decimal previousIndex, decimal index, decimal decay)
    {
        if (previousIndex <= 0 || index <= 0)
        {
            return previous;
        }

        var move = Math.Round(Math.Abs(index - previousIndex) / previousIndex, 12, MidpointRounding.ToEven);
        return Math.Round(decay * previous + (1m - decay) * move, 12, MidpointRounding.ToEven);
    }

    private static QuotePlan Pull(QuoteParameters p, string reason) => new(p.Market, [], 0m, 0m, 0m, reason);
}

/// <summary>An order of the vault resting in the book.</summary>
public sealed record LiveQuote(string OrderId, QuoteSide Side, decimal Price, decimal Size);

/// <summary>Orders to cancel and quotes to place so the book holds exactly the plan.</summary>
public sealed record QuoteChanges(IReadOnlyList<LiveQuote> Cancel, IReadOnlyList<Quote> Place)
{
    public bool IsEmpty => Cancel.Count == 0 && Place.Count == 0;
}

public static class QuoteReconciler
{
    /// <summary>
    /// Keeps a live quote whose side, price and size already match the plan (it keeps its queue priority), cancels every
    /// other live quote and places what is missing. A partly filled quote no longer matches and is replaced.
    /// </summary>
    public static QuoteChanges Reconcile(IReadOnlyList<LiveQuote> live, QuotePlan plan)
    {
        var cancel = new List<LiveQuote>();
        var place = new List<Quote>();
        foreach (var side in new[] { QuoteSide.Bid, QuoteSide.Ask })
        {
            var wanted = plan.Quotes.FirstOrDefault(q => q.Side == side);
            var kept = false;
            foreach (var l in live.Where(l => l.Side == side))
            {
                if (!kept && wanted is not null && l.Price == wanted.Price && l.Size == wanted.Size)
                {
                    kept = true;
                }
                else
                {
                    cancel.Add(l);
                }
            }

            if (!kept && wanted is not null)
            {
                place.Add(wanted);
            }
        }

        return new QuoteChanges(cancel, place);
    }
}
