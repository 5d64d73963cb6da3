namespace Clearing.Primitives.Markets;

public enum MarketKind
{
    Perpetual,
    Future,
    Option,
}

public enum OptionRight
{
    Call,
    Put,
}

/// <summary>
/// One tradable market as every service sees it: identity and trading limits in exact decimals. Services own their
/// own parameters on top (margin tiers, funding caps…) keyed by <see cref="Symbol"/>; this is only what they must agree on.
/// </summary>
public sealed record MarketDefinition
{
    /// <summary>Public market id, e.g. "BTC-PERP", "BTC-27MAR26", "BTC-27MAR26-60000-C". The Kafka key of its messages.</summary>
    public required string Symbol { get; init; }
    public MarketKind Kind { get; init; } = MarketKind.Perpetual;
    /// <summary>Asset whose oracle index drives the mark, e.g. "BTC".</summary>
    public required string Underlying { get; init; }
    /// <summary>Asset prices, PnL and fees are denominated in, e.g. "USDC".</summary>
    public string QuoteAsset { get; init; } = "USDC";
    public required decimal TickSize { get; init; }
    public required decimal LotSize { get; init; }
    public decimal MinOrderSize { get; init; }
    public decimal MaxOrderSize { get; init; } = 1_000_000m;
    /// <summary>Limit prices must lie within this fraction of the mark price (0.05 = ±5%); 0 disables the band.</summary>
    public decimal PriceBand { get; init; } = 0.05m;
    /// <summary>Maker fee as a fraction of notional; negative is a rebate.</summary>
    public decimal MakerFee { get; init; } = 0.0001m;
    public decimal TakerFee { get; init; } = 0.0005m;
    /// <summary>Expiry instant for futures and options; null for perpetuals.</summary>
    public DateTimeOffset? Expiry { get; init; }
    public decimal? Strike { get; init; }
    public OptionRight? Right { get; init; }

    /// <summary>Checks the definition; returns the problems, each naming its field.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Symbol))
        {
            problems.Add("Symbol is required");
        }
        if (string.IsNullOrWhiteSpace(Underlying))
        {
            problems.Add($"{Symbol}: Underlying is required");
        }
        if (TickSize <= 0)
        {
            problems.Add($"{Symbol}: TickSize must be > 0");
        }
        if (LotSize <= 0)
        {
            problems.Add($"{Symbol}: LotSize must be > 0");
        }
        if (MinOrderSize < 0 || MaxOrderSize <= 0 || MinOrderSize > MaxOrderSize)
        {
            problems.Add($"{Symbol}: need 0 <= MinOrderSize <= MaxOrderSize and MaxOrderSize > 0");
        }
        if (PriceBand is < 0 or >= 1)
        {
            problems.Add($"{Symbol}: PriceBand must be in [0, 1)");
        }
        if (Kind != MarketKind.Perpetual && Expiry is null)
        {
            problems.Add($"{Symbol}: a {Kind} needs an Expiry");
        }
        if (Kind == MarketKind.Perpetual && Expiry is not null)
        {
            problems.Add($"{Symbol}: a perpetual has no Expiry");
        }
        if (Kind == MarketKind.Option && (Strike is not > 0 || Right is null))
        {
            problems.Add($"{Symbol}: an option needs Strike > 0 and Right (call|put)");
        }
        return problems;
    }
}
