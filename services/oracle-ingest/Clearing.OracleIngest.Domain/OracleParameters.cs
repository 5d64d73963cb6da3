namespace Clearing.OracleIngest.Domain;

/// <summary>
/// The oracle rules of one asset. Defaults follow the venues in REFERENCE.md (§ Oracle, § Mark price) and are the
/// values the host uses when the asset's configuration section leaves them out.
/// </summary>
public sealed record OracleParameters
{
    /// <summary>
    /// Distinct fresh, non-outlier publishers needed for an index. 3: the smallest set whose median survives one liar
    /// (with 2, a liar and an honest publisher average to half the lie). Pyth and Slinky likewise need several sources.
    /// </summary>
    public int Quorum { get; init; } = 3;

    /// <summary>
    /// Reports further than k × MAD from the median are outliers. 5 MAD ≈ 3.4 standard deviations of a normal spread:
    /// honest dispersion almost never crosses it; a lie of a few percent always does.
    /// </summary>
    public decimal OutlierMadMultiple { get; init; } = 5m;

    /// <summary>
    /// MAD floor as a fraction of the median (0.0005 = 5 bp), so publishers that agree to the cent do not make every
    /// small honest difference an "outlier" (MAD 0 would drop anything not exactly on the median).
    /// </summary>
    public decimal MinMadFraction { get; init; } = 0.0005m;

    /// <summary>A report older than this is not fresh (Drift: stale after N slots ≈ 10–25 s; Pyth publishers push every ~400 ms).</summary>
    public long StalenessNanos { get; init; } = 10 * Nanos.PerSecond;

    /// <summary>Publish times up to this far ahead of the receiving clock are tolerated (clock skew); beyond it the report is future-dated.</summary>
    public long MaxFutureSkewNanos { get; init; } = 2 * Nanos.PerSecond;

    /// <summary>A report whose confidence half-width exceeds this fraction of its price is refused (Drift's 2% guard).</summary>
    public decimal MaxConfidenceFraction { get; init; } = 0.02m;

    /// <summary>
    /// A move of the index larger than this fraction within <see cref="BreakerWindowNanos"/> trips the circuit breaker.
    /// 10%: well above BTC's typical one-minute moves, below what a manipulated thin source produces (the JELLY and
    /// Mango incidents moved their oracles by multiples).
    /// </summary>
    public decimal BreakerBand { get; init; } = 0.10m;

    public long BreakerWindowNanos { get; init; } = 60 * Nanos.PerSecond;

    /// <summary>A tripped breaker clears by itself after this long if the index stayed within the band meanwhile.</summary>
    public long BreakerSettleNanos { get; init; } = 120 * Nanos.PerSecond;

    /// <summary>
    /// Time constant of the mark's two EMAs (book basis and last-trade basis). 150 s is Hyperliquid's mark EMA; the
    /// weight of one update is Δt / (τ + Δt), a rational form that stays exact in decimal and identical on replay.
    /// </summary>
    public long MarkEmaTauNanos { get; init; } = 150 * Nanos.PerSecond;

    /// <summary>
    /// Largest pull of the book on the mark, as a fraction of the index: each EMA sample ((mid − index) / index and
    /// (last trade − index) / index) is clamped to ± this before it enters its EMA. With the median of three, a thin book
    /// (or wash trades against it) can then move the mark at most this far from the index however long it persists.
    /// 5%: half of Drift's 10% mark/oracle divergence limit, above ordinary perp premiums.
    /// </summary>
    public decimal MaxMarkBasis { get; init; } = 0.05m;

    /// <summary>Perpetuals and futures on this asset that get a mark price.</summary>
    public IReadOnlyList<string> MarkMarkets { get; init; } = [];

    /// <summary>Distinct fresh publishers needed to fit a volatility slice (vol feeds margin, not triggers, so 2 is enough to catch one broken feed's shape).</summary>
    public int VolQuorum { get; init; } = 2;

    /// <summary>Vol reports older than this are not used to fit a slice.</summary>
    public long VolStalenessNanos { get; init; } = 10 * 60 * Nanos.PerSecond;

    /// <summary>A fitted slice whose largest |fitted − input| implied vol exceeds this (0.01 = one vol point) is rejected.</summary>
    public double MaxVolFitError { get; init; } = 0.01;

    /// <summary>Decimal places the index and marks are rounded to (half to even).</summary>
    public int PriceDecimals { get; init; } = 8;

    /// <summary>Every problem, each naming the field; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Quorum < 1) problems.Add($"Quorum must be at least 1, got {Quorum}");
        if (OutlierMadMultiple <= 0) problems.Add($"OutlierMadMultiple must be positive, got {OutlierMadMultiple}");
        if (MinMadFraction < 0 || MinMadFraction >= 1) problems.Add($"MinMadFraction must be in [0, 1), got {MinMadFraction}");
        if (StalenessNanos <= 0) problems.Add("Staleness must be positive");
        if (MaxFutureSkewNanos < 0) problems.Add("MaxFutureSkew must not be negative");
        if (MaxConfidenceFraction <= 0) problems.Add($"MaxConfidenceFraction must be positive, got {MaxConfidenceFraction}");
        if (BreakerBand <= 0 || BreakerBand >= 1) problems.Add($"BreakerBand must be in (0, 1), got {BreakerBand}");
        if (BreakerWindowNanos <= 0) problems.Add("BreakerWindow must be positive");
        if (BreakerSettleNanos <= 0) problems.Add("BreakerSettle must be positive");
        if (MarkEmaTauNanos <= 0) problems.Add("MarkEmaTau must be positive");
        if (MaxMarkBasis <= 0 || MaxMarkBasis >= 1) problems.Add($"MaxMarkBasis must be in (0, 1), got {MaxMarkBasis}");
        if (VolQuorum < 1) problems.Add($"VolQuorum must be at least 1, got {VolQuorum}");
        if (VolStalenessNanos <= 0) problems.Add("VolStaleness must be positive");
        if (!(MaxVolFitError > 0)) problems.Add($"MaxVolFitError must be positive, got {MaxVolFitError}");
        if (PriceDecimals is < 0 or > 18) problems.Add($"PriceDecimals must be 0..18, got {PriceDecimals}");
        return problems;
    }
}

/// <summary>Times in the oracle are Unix nanoseconds, as in every public contract.</summary>
public static class Nanos
{
    public const long PerMillisecond = 1_000_000;
    public const long PerSecond = 1_000_000_000;

    public static long From(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static DateTimeOffset ToTime(long unixNanos) => DateTimeOffset.UnixEpoch.AddTicks(unixNanos / 100);
}
