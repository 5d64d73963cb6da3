namespace Clearing.Vault.Domain.Quoting;

/// <summary>
/// How the vault quotes one market. Defaults and why:
/// <list type="bullet">
/// <item>Half-spread 5 bps of the index plus 2 × the recent absolute index return, capped at 2%: a market maker widens
/// when the price moves so its quotes are not picked off; the cap keeps quotes useful in a fast market.</item>
/// <item>Inventory skew 0.5: at the exposure cap the quotes' centre moves half a half-spread against the inventory, so
/// the side that reduces it is more likely to fill.</item>
/// <item>Exposure cap the smaller of $250k notional and 20% of NAV per market: one market (the JELLY lesson) cannot put
/// more than a fifth of the LPs' money at risk.</item>
/// <item>Quotes are pulled when the oracle is STALE or the circuit breaker tripped, or when no price came for 3 s: the
/// vault never quotes around a price it cannot trust.</item>
/// </list>
/// </summary>
public sealed record QuoteParameters
{
    public required string Market { get; init; }

    public required decimal TickSize { get; init; }

    public required decimal LotSize { get; init; }

    public decimal BaseHalfSpread { get; init; } = 0.0005m;

    public decimal VolatilityMultiplier { get; init; } = 2m;

    public decimal MaxHalfSpread { get; init; } = 0.02m;

    public decimal InventorySkew { get; init; } = 0.5m;

    /// <summary>Notional of each quote (per side) at the index.</summary>
    public decimal QuoteNotional { get; init; } = 5_000m;

    public decimal MaxNotional { get; init; } = 250_000m;

    public decimal MaxShareOfNav { get; init; } = 0.2m;

    /// <summary>With no price for this long the quotes are pulled as if the oracle were stale.</summary>
    public TimeSpan MaxPriceAge { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Weight of the previous volatility estimate in the moving average of absolute returns.</summary>
    public decimal VolatilityDecay { get; init; } = 0.9m;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Require(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add($"{Market}: {problem}");
            }
        }

        Require(!string.IsNullOrWhiteSpace(Market), "Market is required");
        Require(TickSize > 0, "TickSize must be > 0");
        Require(LotSize > 0, "LotSize must be > 0");
        Require(BaseHalfSpread > 0 && BaseHalfSpread < 1, "BaseHalfSpread must be in (0, 1)");
        Require(VolatilityMultiplier >= 0, "VolatilityMultiplier must be >= 0");
        Require(MaxHalfSpread >= BaseHalfSpread && MaxHalfSpread < 1, "MaxHalfSpread must be in [BaseHalfSpread, 1)");
        Require(InventorySkew is >= 0 and <= 1, "InventorySkew must be in [0, 1]");
        Require(QuoteNotional > 0, "QuoteNotional must be > 0");
        Require(MaxNotional >= 0, "MaxNotional must be >= 0");
        Require(MaxShareOfNav is >= 0 and <= 1, "MaxShareOfNav must be in [0, 1]");
        Require(MaxPriceAge > TimeSpan.Zero, "MaxPriceAge must be positive");
        Require(VolatilityDecay is >= 0 and < 1, "VolatilityDecay must be in [0, 1)");
        return problems;
    }

    public decimal Ticks(decimal price, bool up) => (up ? Math.Ceiling(price / TickSize) : Math.Floor(price / TickSize)) * TickSize;

    public decimal LotsDown(decimal quantity) => Math.Floor(quantity / LotSize) * LotSize;
}
