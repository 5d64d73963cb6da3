using System.Globalization;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// One bracket of a market's margin schedule: the slice of position notional up to <see cref="UpToNotional"/> (null:
/// no upper bound) is charged <see cref="InitialFraction"/> and <see cref="MaintenanceFraction"/>.
/// </summary>
public sealed record MarginTier(decimal? UpToNotional, decimal InitialFraction, decimal MaintenanceFraction);

/// <summary>
/// A market's tiered margin. Each slice of notional is charged at its own bracket's fraction (like income-tax
/// brackets), which is Hyperliquid's "tier fraction minus a deduction" written the other way round: the
/// requirement is continuous across tier boundaries, and because every fraction is ≥ 0 and fractions rise with the
/// tier, it is monotone and convex in position size — bigger positions need more, proportionally.
/// </summary>
public sealed record MarginSchedule(IReadOnlyList<MarginTier> Tiers)
{
    /// <summary>(initial, maintenance) for a position of |notional| in the quote asset, exact (no rounding).</summary>
    public (decimal Initial, decimal Maintenance) Requirement(decimal notional)
    {
        notional = Math.Abs(notional);
        var initial = 0m;
        var maintenance = 0m;
        var lower = 0m;
        foreach (var tier in Tiers)
        {
            if (notional <= lower)
            {
                break;
            }

            var upper = tier.UpToNotional is { } cap ? Math.Min(cap, notional) : notional;
            var slice = upper - lower;
            initial += slice * tier.InitialFraction;
            maintenance += slice * tier.MaintenanceFraction;
            lower = upper;
        }

        return (initial, maintenance);
    }

    public IEnumerable<string> Validate(string name)
    {
        if (Tiers.Count == 0)
        {
            yield return $"{name}: needs at least one tier";
            yield break;
        }

        var previousCap = 0m;
        var previous = (Initial: 0m, Maintenance: 0m);
        for (var i = 0; i < Tiers.Count; i++)
        {
            var tier = Tiers[i];
            var at = $"{name}:Tiers:{i}";
            if (tier.MaintenanceFraction <= 0 || tier.MaintenanceFraction > tier.InitialFraction || tier.InitialFraction > 1)
            {
                yield return $"{at}: need 0 < MaintenanceFraction <= InitialFraction <= 1, got {tier.MaintenanceFraction} / {tier.InitialFraction}";
            }

            if (tier.InitialFraction < previous.Initial || tier.MaintenanceFraction < previous.Maintenance)
            {
                yield return $"{at}: fractions must not fall as notional grows (bigger positions need more margin)";
            }

            if (tier.UpToNotional is { } cap && cap <= previousCap)
            {
                yield return $"{at}: UpToNotional must grow tier by tier, got {cap} after {previousCap}";
            }

            if (tier.UpToNotional is null && i != Tiers.Count - 1)
            {
                yield return $"{at}: only the last tier may be unbounded";
            }

            previousCap = tier.UpToNotional ?? previousCap;
            previous = (tier.InitialFraction, tier.MaintenanceFraction);
        }

        if (Tiers[^1].UpToNotional is not null)
        {
            yield return $"{name}: the last tier must be unbounded (UpToNotional empty)";
        }
    }
}

/// <summary>How an asset counts as collateral: its value is balance × index × (1 − haircut).</summary>
/// <param name="Haircut">Fraction knocked off the index value (0.1 = counted at 90%).</param>
/// <param name="FixedPrice">A price used instead of the oracle index (the quote stablecoin at 1); null: oracle.</param>
public sealed record CollateralAsset(decimal Haircut, decimal? FixedPrice = null);

/// <summary>
/// The margin engine's parameters, keyed by market and asset. Defaults and where they come from
/// (shared/REFERENCE.md, "Margin"):
/// <list type="bullet">
/// <item>Perpetuals and futures on BTC/ETH (large caps): initial 2% / maintenance 1.2% on the first 1M of notional
/// — dYdX's large-cap initial fraction with maintenance at 60% of it — then 5% / 3% to 5M, 10% / 6% to 20M and
/// 20% / 12% above (Hyperliquid lowers max leverage from 40× to 20× above its first tier; Deribit adds 0.005% per
/// BTC of size; we step faster so a single account cannot carry a whale position on large-cap terms).</item>
/// <item>Any other market: dYdX's long-tail 20% initial with maintenance at 50% of it (10%), flat.</item>
/// <item>Options: the skew-aware scenario <see cref="Options.PortfolioMargin"/> on everything the account holds on
/// the underlying is the maintenance requirement; initial = maintenance × <see cref="OptionInitialMultiplier"/> (1.3,
/// our buffer so a fresh options position is not one tick from liquidation).</item>
/// <item>Collateral: USDC at a fixed 1 and no haircut (it is the quote asset every market settles in); BTC 10%
/// and ETH 15% haircut (our conservative choice: REFERENCE.md has no haircut figures; venues publish 0–20% for
/// majors). An asset not listed is not accepted as collateral.</item>
/// <item>Bands: healthy at health ≥ 1.25, warning (margin call) in [1, 1.25), liquidation below 1 (equity &lt;
/// maintenance), bankrupt when equity &lt; 0.</item>
/// </list>
/// </summary>
public sealed record MarginParameters
{
    public const string SectionName = "Margin";

    public static MarginSchedule LargeCap { get; } = new(
    [
        new MarginTier(1_000_000m, 0.02m, 0.012m),
        new MarginTier(5_000_000m, 0.05m, 0.03m),
        new MarginTier(20_000_000m, 0.10m, 0.06m),
        new MarginTier(null, 0.20m, 0.12m),
    ]);

    public static MarginSchedule LongTail { get; } = new([new MarginTier(null, 0.20m, 0.10m)]);

    // After the schedules: static initializers run in declaration order and the defaults refer to them.
    public static MarginParameters Default { get; } = new();

    /// <summary>Schedules by market symbol (exact) or by underlying asset ("BTC" covers every BTC linear market).</summary>
    public IReadOnlyDictionary<string, MarginSchedule> Schedules { get; init; } = new Dictionary<string, MarginSchedule>(StringComparer.Ordinal)
    {
        ["BTC"] = LargeCap,
        ["ETH"] = LargeCap,
    };

    /// <summary>Markets and underlyings not listed in <see cref="Schedules"/>.</summary>
    public MarginSchedule DefaultSchedule { get; init; } = LongTail;

    public IReadOnlyDictionary<string, CollateralAsset> Collateral { get; init; } = new Dictionary<string, CollateralAsset>(StringComparer.Ordinal)
    {
        ["USDC"] = new(0m, FixedPrice: 1m),
        ["BTC"] = new(0.10m),
        ["ETH"] = new(0.15m),
    };

    /// <summary>health below this (and ≥ 1) is the warning band that triggers a margin call.</summary>
    public decimal WarningHealth { get; init; } = 1.25m;

    public decimal OptionInitialMultiplier { get; init; } = 1.3m;

    /// <summary>Volatility assumed for an option underlying before the oracle published a surface: a deliberately
    /// high flat 100%, so options are never margined lighter for lack of data.</summary>
    public double FallbackOptionVolatility { get; init; } = 1.0;

    /// <summary>Decimal places of the quote asset (USDC: 6). Money amounts are rounded here, always against the account.</summary>
    public int MoneyDecimals { get; init; } = 6;

    public MarginSchedule ScheduleFor(string market, string underlying) =>
        Schedules.TryGetValue(market, out var bySymbol) ? bySymbol
        : Schedules.TryGetValue(underlying, out var byUnderlying) ? byUnderlying
        : DefaultSchedule;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var (key, schedule) in Schedules)
        {
            problems.AddRange(schedule.Validate($"{SectionName}:Schedules:{key}"));
        }

        problems.AddRange(DefaultSchedule.Validate($"{SectionName}:DefaultSchedule"));
        foreach (var (asset, collateral) in Collateral)
        {
            if (collateral.Haircut is < 0 or >= 1)
            {
                problems.Add($"{SectionName}:Collateral:{asset}:Haircut must be in [0, 1), got {collateral.Haircut.ToString(CultureInfo.InvariantCulture)}");
            }

            if (collateral.FixedPrice is <= 0)
            {
                problems.Add($"{SectionName}:Collateral:{asset}:FixedPrice must be > 0 when set");
            }
        }

        if (WarningHealth <= 1)
        {
            problems.Add($"{SectionName}:WarningHealth must be > 1, got {WarningHealth.ToString(CultureInfo.InvariantCulture)}");
        }

        if (OptionInitialMultiplier < 1)
        {
            problems.Add($"{SectionName}:OptionInitialMultiplier must be >= 1");
        }

        if (!(FallbackOptionVolatility > 0 && double.IsFinite(FallbackOptionVolatility)))
        {
            problems.Add($"{SectionName}:FallbackOptionVolatility must be a positive number");
        }

        if (MoneyDecimals is < 0 or > 18)
        {
            problems.Add($"{SectionName}:MoneyDecimals must be in [0, 18]");
        }

        return problems;
    }
}
