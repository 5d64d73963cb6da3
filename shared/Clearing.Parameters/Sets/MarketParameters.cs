using System.Text.RegularExpressions;

namespace Clearing.Parameters;

/// <summary>
/// One margin bracket, the shape the margin service uses: the slice of a position's notional above the previous
/// bracket's bound and up to <see cref="UpToNotional"/> (null: no upper bound, the last bracket) is charged these
/// fractions, so the requirement is continuous in position size.
/// </summary>
public sealed record MarginTier(decimal? UpToNotional, decimal InitialMarginFraction, decimal MaintenanceMarginFraction);

/// <summary>
/// Risk and trading parameters of one market (set "market-{symbol}").
/// Loosening, per field: a lower initial or maintenance fraction for any slice of notional (or a tier bound moved up so a
/// larger position keeps the lower fraction), a wider price band, a lower maker or taker fee, a higher funding cap,
/// a longer funding interval, and resuming a halted market.
/// </summary>
public sealed partial record MarketParameters(
    string Market,
    IReadOnlyList<MarginTier> MarginTiers,
    decimal PriceBandFraction,
    decimal MakerFee,
    decimal TakerFee,
    decimal FundingCapPerInterval,
    long FundingIntervalSeconds,
    bool Halted) : ParameterSet
{
    /// <summary>A hard floor whatever the fee schedule says: no market pays makers more than 10 bp.</summary>
    public const decimal AbsoluteMakerRebateLimit = 0.001m;

    [System.Text.Json.Serialization.JsonIgnore]
    public override ParameterKind Kind => ParameterKind.Market;

    [System.Text.Json.Serialization.JsonIgnore]
    public override string SetId => ParameterSets.MarketSet(Market);

    /// <summary>(initial, maintenance) margin of a position of |<paramref name="notional"/>|: each slice at its bracket's fractions.</summary>
    public (decimal Initial, decimal Maintenance) Requirement(decimal notional)
    {
        notional = Math.Abs(notional);
        var (initial, maintenance, lower) = (0m, 0m, 0m);
        foreach (var tier in MarginTiers)
        {
            if (notional <= lower)
            {
                break;
            }

            var upper = tier.UpToNotional is { } cap ? Math.Min(cap, notional) : notional;
            initial += (upper - lower) * tier.InitialMarginFraction;
            maintenance += (upper - lower) * tier.MaintenanceMarginFraction;
            lower = upper;
        }

        return (initial, maintenance);
    }

    internal static string? MarketProblem(string market) =>
        MarketShape().IsMatch(market) ? null : $"market '{market}' must be an upper-case symbol of 2-32 characters such as \"BTC-PERP\"";

    public override IEnumerable<string> Validate()
    {
        if (MarketProblem(Market ?? "") is { } marketProblem)
        {
            yield return marketProblem;
        }

        if (MarginTiers is null || MarginTiers.Count == 0)
        {
            yield return $"{SetId}: marginTiers must hold at least one tier";
        }
        else
        {
            foreach (var reason in ValidateTiers())
            {
                yield return $"{SetId}: {reason}";
            }
        }

        foreach (var reason in Fields.Between("priceBandFraction", PriceBandFraction, 0m, 0.5m, minExclusive: true)
            .Concat(Fields.Between("takerFee", TakerFee, 0m, 0.01m))
            .Concat(Fields.Between("makerFee", MakerFee, -AbsoluteMakerRebateLimit, 0.01m))
            .Concat(Fields.Between("fundingCapPerInterval", FundingCapPerInterval, 0m, 0.1m, minExclusive: true))
            .Concat(Fields.Between("fundingIntervalSeconds", FundingIntervalSeconds, 60, 28_800)))
        {
            yield return $"{SetId}: {reason}";
        }

        if (MakerFee < 0 && -MakerFee > TakerFee)
        {
            yield return $"{SetId}: makerFee rebate {Fields.Text(-MakerFee)} is larger than takerFee {Fields.Text(TakerFee)}: the venue would pay out on every matched trade";
        }

        if (FundingIntervalSeconds > 0 && 86_400 % FundingIntervalSeconds != 0)
        {
            yield return $"{SetId}: fundingIntervalSeconds {FundingIntervalSeconds} must divide a day (86400) so funding boundaries fall at the same UTC times every day";
        }
    }

    public override IEnumerable<string> ValidateAgainst(IReadOnlyDictionary<string, ParameterSet> registry)
    {
        if (MakerFee < 0 && registry.TryGetValue(ParameterSets.Fees, out var set) && set is FeeSchedule fees && -MakerFee > fees.MaxMakerRebate)
        {
            yield return $"{SetId}: makerFee {Fields.Text(MakerFee)} is a rebate beyond the fee schedule's maxMakerRebate {Fields.Text(fees.MaxMakerRebate)}";
        }
    }

    private IEnumerable<string> ValidateTiers()
    {
        decimal? previousBound = null;
        MarginTier? previous = null;
        for (var i = 0; i < MarginTiers.Count; i++)
        {
            var tier = MarginTiers[i];
            var name = $"marginTiers[{i}]";
            if (tier.MaintenanceMarginFraction <= 0)
            {
                yield return $"{name}.maintenanceMarginFraction is {Fields.Text(tier.MaintenanceMarginFraction)}; it must be above 0";
            }

            if (tier.InitialMarginFraction > 1)
            {
                yield return $"{name}.initialMarginFraction is {Fields.Text(tier.InitialMarginFraction)}; it must be at most 1 (no leverage)";
            }

            if (tier.MaintenanceMarginFraction >= tier.InitialMarginFraction)
            {
                yield return $"{name}.maintenanceMarginFraction {Fields.Text(tier.MaintenanceMarginFraction)} is not below initialMarginFraction {Fields.Text(tier.InitialMarginFraction)}: maintenance must be below initial, or a new position would be liquidatable at once";
            }

            if (tier.UpToNotional is { } bound)
            {
                if (bound <= 0 || (previousBound is { } p && bound <= p))
                {
                    yield return $"{name}.upToNotional {Fields.Text(bound)} must be above 0 and above the previous tier's bound";
                }

                previousBound = bound;
            }
            else if (i != MarginTiers.Count - 1)
            {
                yield return $"{name}.upToNotional is empty but only the last tier may be unbounded";
            }

            if (previous is not null && (tier.InitialMarginFraction < previous.InitialMarginFraction || tier.MaintenanceMarginFraction < previous.MaintenanceMarginFraction))
            {
                yield return $"{name} asks less margin than marginTiers[{i - 1}]: a larger position must never need a smaller fraction";
            }

            previous = tier;
        }

        if (MarginTiers[^1].UpToNotional is not null)
        {
            yield return "the last margin tier must have no upToNotional (it covers every larger position)";
        }
    }

    public override IReadOnlyList<FieldChange> ChangesFrom(ParameterSet previous)
    {
        var old = (MarketParameters)previous;
        var changes = new List<FieldChange>();
        var sameShape = old.MarginTiers.Count == MarginTiers.Count && old.MarginTiers.Zip(MarginTiers).All(p => p.First.UpToNotional == p.Second.UpToNotional);
        if (sameShape)
        {
            for (var i = 0; i < MarginTiers.Count; i++)
            {
                Fields.Compare(changes, $"marginTiers[{i}].initialMarginFraction", old.MarginTiers[i].InitialMarginFraction, MarginTiers[i].InitialMarginFraction, higherLoosens: false);
                Fields.Compare(changes, $"marginTiers[{i}].maintenanceMarginFraction", old.MarginTiers[i].MaintenanceMarginFraction, MarginTiers[i].MaintenanceMarginFraction, higherLoosens: false);
            }
        }
        else
        {
            changes.Add(new FieldChange("marginTiers", Describe(old.MarginTiers), Describe(MarginTiers), LowersMarginAnywhere(old.MarginTiers, MarginTiers) ? ChangeDirection.Loosening : ChangeDirection.Tightening));
        }

        Fields.Compare(changes, "priceBandFraction", old.PriceBandFraction, PriceBandFraction, higherLoosens: true);
        Fields.Compare(changes, "makerFee", old.MakerFee, MakerFee, higherLoosens: false);
        Fields.Compare(changes, "takerFee", old.TakerFee, TakerFee, higherLoosens: false);
        Fields.Compare(changes, "fundingCapPerInterval", old.FundingCapPerInterval, FundingCapPerInterval, higherLoosens: true);
        Fields.Compare(changes, "fundingIntervalSeconds", old.FundingIntervalSeconds, FundingIntervalSeconds, higherLoosens: true);
        if (old.Halted != Halted)
        {
            changes.Add(new FieldChange("halted", old.Halted ? "true" : "false", Halted ? "true" : "false", Halted ? ChangeDirection.Tightening : ChangeDirection.Loosening));
        }

        return changes;
    }

    /// <summary>
    /// Loosening when any slice of notional is charged a lower fraction than before. That is conservative on purpose
    /// (a schedule that raises one bracket a lot and lowers another a little still waits the longer timelock). Bracket
    /// fractions are step functions of notional that can only differ at a bound of either schedule, so comparing at
    /// every bound and just above it (and at zero) is exact.
    /// </summary>
    private static bool LowersMarginAnywhere(IReadOnlyList<MarginTier> old, IReadOnlyList<MarginTier> @new)
    {
        var bounds = old.Concat(@new).Where(t => t.UpToNotional is not null).Select(t => t.UpToNotional!.Value).Append(0m).Distinct();
        foreach (var bound in bounds)
        {
            foreach (var above in new[] { false, true })
            {
                var (o, n) = (At(old, bound, above), At(@new, bound, above));
                if (n.InitialMarginFraction < o.InitialMarginFraction || n.MaintenanceMarginFraction < o.MaintenanceMarginFraction)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static MarginTier At(IReadOnlyList<MarginTier> tiers, decimal notional, bool justAbove) =>
        tiers.FirstOrDefault(t => t.UpToNotional is null || (justAbove ? notional < t.UpToNotional : notional <= t.UpToNotional)) ?? tiers[^1];

    private static string Describe(IReadOnlyList<MarginTier> tiers) =>
        string.Join("; ", tiers.Select(t => $"≤{(t.UpToNotional is { } b ? Fields.Text(b) : "∞")}: IM {Fields.Text(t.InitialMarginFraction)} MM {Fields.Text(t.MaintenanceMarginFraction)}"));

    [GeneratedRegex("^[A-Z0-9][A-Z0-9-]{1,31}$")]
    private static partial Regex MarketShape();
}
