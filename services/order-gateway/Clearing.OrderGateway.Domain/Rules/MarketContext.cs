using Clearing.Primitives.Markets;

namespace Clearing.OrderGateway.Domain.Rules;

/// <summary>Trading status as matching announces it (MarketStatusChanged), with expiry from the catalog on top.</summary>
public enum MarketStatus
{
    PreOpen,
    Open,
    Halted,
    Expired,
}

/// <summary>What the gateway knows of a market when it judges a command.</summary>
public sealed record MarketContext(MarketDefinition Definition, MarketStatus Status, decimal? MarkPrice);

/// <summary>
/// The slice of margin's account read model the margin-headroom check needs: what new risk may still consume, the
/// signed position per market, and whether liquidation holds the account.
/// </summary>
public sealed record MarginSnapshot(decimal AvailableMargin, bool Liquidating, IReadOnlyDictionary<string, decimal> PositionSizes)
{
    public decimal PositionIn(string market) => PositionSizes.TryGetValue(market, out var size) ? size : 0m;
}

/// <summary>Venue-wide gateway parameters the checks use (bound from OrderGateway options in the host).</summary>
public sealed record PreTradeParameters
{
    /// <summary>Fraction of notional an order must find in available margin, per market; <see cref="DefaultInitialMarginFraction"/> otherwise.</summary>
    public IReadOnlyDictionary<string, decimal> InitialMarginFractions { get; init; } = new Dictionary<string, decimal>();

    public decimal DefaultInitialMarginFraction { get; init; } = 0.10m;

    /// <summary>An account margin has never written a view for: refuse risk-increasing orders (true) or let them through.</summary>
    public bool RefuseWithoutMarginAccount { get; init; } = true;

    public decimal InitialMarginFractionOf(string market) =>
        InitialMarginFractions.TryGetValue(market, out var fraction) ? fraction : DefaultInitialMarginFraction;
}
