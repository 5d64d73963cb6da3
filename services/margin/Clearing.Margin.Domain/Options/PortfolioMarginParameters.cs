namespace Clearing.Margin.Domain.Options;

/// <summary>
/// The scenario grid, volatility shocks and floors of <see cref="PortfolioMargin"/>. Every default says where
/// it comes from (shared/REFERENCE.md, "Options and portfolio margin") and why; governance may change them.
/// </summary>
public sealed record PortfolioMarginParameters
{
    /// <summary>The defaults below.</summary>
    public static PortfolioMarginParameters Default { get; } = new();

    /// <summary>
    /// Largest underlying move of the main grid, as a fraction: 0.16 = ±16%, Deribit's portfolio margin range.
    /// At 60–80% annual volatility a day's standard deviation is 3–4%, so ±16% is a four-to-five sigma day:
    /// the horizon within which a liquidation completes.
    /// </summary>
    public double PriceRange { get; init; } = 0.16;

    /// <summary>
    /// Evenly spaced moves from −range to +range, zero included (so it must be odd). Deribit: 9 buckets (four
    /// each way plus zero); CME SPAN uses 7 price points (0, ±⅓, ±⅔, ±1) — 9 resolves gamma a little finer.
    /// </summary>
    public int PriceBuckets { get; init; } = 9;

    /// <summary>
    /// Relative volatility rise at the reference tenor: each option's own surface vol σ(K,T) becomes
    /// σ·(1 + up·(30/dte)^p). Deribit publishes an "up shock range" of 0.5. Relative rather than additive so
    /// the shock follows the skew: the high-vol put wing is shocked by more vol points than the money.
    /// </summary>
    public double VolatilityUpShock { get; init; } = 0.50;

    /// <summary>Relative volatility fall at the reference tenor: σ·(1 − down·(30/dte)^p). Deribit: 0.25
    /// (vols crash less than they spike).</summary>
    public double VolatilityDownShock { get; init; } = 0.25;

    /// <summary>
    /// Exponent p of the tenor scaling (30/dte)^p: short-dated vols move more than long-dated ones (the term
    /// structure of vol-of-vol). Deribit publishes the (30/days-to-expiry)^p form with p = 0.30.
    /// </summary>
    public double VolatilityShockPower { get; init; } = 0.30;

    /// <summary>Tenor in days at which the shocks apply unscaled (Deribit: 30).</summary>
    public double VolatilityShockReferenceDays { get; init; } = 30.0;

    /// <summary>
    /// Days-to-expiry floor inside the tenor scaling, so shocks stay finite for options expiring within the
    /// day: with the defaults the largest scale is 30^0.3 ≈ 2.77 (up ×2.39, down ×0.31).
    /// </summary>
    public double MinimumShockDays { get; init; } = 1.0;

    /// <summary>Volatility never shocks below this multiple of the surface vol (a guard for custom shock sizes;
    /// the defaults stay above it).</summary>
    public double MinimumVolatilityMultiplier { get; init; } = 0.10;

    /// <summary>
    /// Extended table: large moves revalued with volatility up only, at partial weight. Deribit's extended table
    /// (−66%, −33%, +50%, +100%, +200%, +300%, +400%, +500%) exists for large short positions in far
    /// out-of-the-money options, which the ±16% grid does not reach.
    /// </summary>
    public IReadOnlyList<double> ExtendedMoves { get; init; } = [-0.66, -0.33, 0.50, 1.00, 2.00, 3.00, 4.00, 5.00];

    /// <summary>
    /// Weight of an extended move m: min(1, scale·range/|m|). With scale 1 a linear position would lose at any
    /// extended move exactly what it loses at the edge of the main grid; 0.5 halves that, so extended moves
    /// never decide the margin of futures, perpetuals or delta-like books and only add margin where option
    /// convexity makes losses grow faster than the move — short far-OTM options. A flat fraction (CME SPAN
    /// counts its ±2× extreme moves at 35%) cannot work for +500%: a short perpetual would need 175% margin.
    /// Deribit likewise applies "a fraction of the P&amp;L and a dampener" to its extended table.
    /// </summary>
    public double ExtendedMoveWeightScale { get; init; } = 0.5;

    /// <summary>
    /// Floor per unit of net short option, as a fraction of spot: margin ≥ Σ short units × fraction × spot.
    /// Deribit charges 0.01 BTC per net short option contract (1% of the underlying); SPAN calls this the short
    /// option minimum. It keeps a short deep-OTM option from ever costing nothing: gaps beyond any grid exist.
    /// </summary>
    public double ShortOptionMinimum { get; init; } = 0.01;

    /// <summary>
    /// Decimal places of the quote currency for the money outputs. Requirements (margin, worst loss, floor)
    /// round up (toward +∞) so rounding never under-margins; the mark value rounds toward −∞ so it never
    /// overstates equity. 6 = USDC's precision.
    /// </summary>
    public int MoneyDecimals { get; init; } = 6;

    /// <summary>Rejects parameters the engine cannot use, naming the field.</summary>
    /// <exception cref="ArgumentException">A parameter is out of range.</exception>
    public void Validate()
    {
        Require(PriceRange is > 0.0 and < 1.0, nameof(PriceRange), $"must lie in (0, 1), got {PriceRange}.");
        Require(PriceBuckets >= 3 && PriceBuckets % 2 == 1, nameof(PriceBuckets), $"must be odd and at least 3 so that zero is a bucket, got {PriceBuckets}.");
        Require(VolatilityUpShock >= 0.0 && double.IsFinite(VolatilityUpShock), nameof(VolatilityUpShock), $"must be ≥ 0, got {VolatilityUpShock}.");
        Require(VolatilityDownShock is >= 0.0 and < 1.0, nameof(VolatilityDownShock), $"must lie in [0, 1), got {VolatilityDownShock}.");
        Require(VolatilityShockPower >= 0.0 && double.IsFinite(VolatilityShockPower), nameof(VolatilityShockPower), $"must be ≥ 0, got {VolatilityShockPower}.");
        Require(VolatilityShockReferenceDays > 0.0 && double.IsFinite(VolatilityShockReferenceDays), nameof(VolatilityShockReferenceDays), $"must be positive, got {VolatilityShockReferenceDays}.");
        Require(MinimumShockDays > 0.0 && double.IsFinite(MinimumShockDays), nameof(MinimumShockDays), $"must be positive, got {MinimumShockDays}.");
        Require(MinimumVolatilityMultiplier is > 0.0 and <= 1.0, nameof(MinimumVolatilityMultiplier), $"must lie in (0, 1], got {MinimumVolatilityMultiplier}.");
        Require(ExtendedMoves is not null, nameof(ExtendedMoves), "must be a list (empty for none).");
        foreach (var move in ExtendedMoves!)
        {
            Require(double.IsFinite(move) && move > -1.0 && move != 0.0, nameof(ExtendedMoves), $"moves must be finite, above −100% and non-zero, got {move}.");
        }

        Require(ExtendedMoveWeightScale >= 0.0 && double.IsFinite(ExtendedMoveWeightScale), nameof(ExtendedMoveWeightScale), $"must be ≥ 0, got {ExtendedMoveWeightScale}.");
        Require(ShortOptionMinimum >= 0.0 && double.IsFinite(ShortOptionMinimum), nameof(ShortOptionMinimum), $"must be ≥ 0, got {ShortOptionMinimum}.");
        Require(MoneyDecimals is >= 0 and <= 18, nameof(MoneyDecimals), $"must lie in 0..18, got {MoneyDecimals}.");
    }

    private static void Require(bool condition, string field, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"portfolio margin parameter {field} {problem}", field);
        }
    }
}
