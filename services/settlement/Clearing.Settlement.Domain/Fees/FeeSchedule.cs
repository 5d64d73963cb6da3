using System.Globalization;

namespace Clearing.Settlement.Domain.Fees;

public enum Liquidity
{
    Maker,
    Taker,
}

/// <summary>A tier applies from <see cref="MinVolume30d"/> (quote-asset notional over 30 days) upwards. Negative maker rate = rebate.</summary>
public sealed record FeeTier(decimal MinVolume30d, decimal MakerRate, decimal TakerRate);

/// <summary>
/// Maker/taker fee rates by 30-day traded volume. Pure: settlement owns the schedule and its rules; matching applies
/// the tier of each account when it prices a fill (it knows maker and taker), and margin books the fee and any rebate
/// into the ledger against "system:fee-pool", which settlement distributes at each epoch end.
/// </summary>
/// <remarks>
/// The default follows the published range of dYdX v4 (REFERENCE.md, "Fees": 9 tiers, taker 5 bp down to 2.5 bp,
/// maker +1 bp down to a −1.1 bp rebate). The volume thresholds in between are ours: each tier roughly 5–10× the last.
/// Volume is 30 days rather than Hyperliquid's 14 so one busy week does not swing a trader's rate.
/// </remarks>
public sealed class FeeSchedule
{
    public FeeSchedule(IReadOnlyList<FeeTier> tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        var problems = Validate(tiers);
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid fee schedule: " + string.Join("; ", problems), nameof(tiers));
        }

        Tiers = [.. tiers];
    }

    public static FeeSchedule Default { get; } = new(
    [
        new FeeTier(0m, 0.0001m, 0.0005m),
        new FeeTier(1_000_000m, 0.0001m, 0.0004m),
        new FeeTier(5_000_000m, 0.00005m, 0.00035m),
        new FeeTier(25_000_000m, 0m, 0.0003m),
        new FeeTier(125_000_000m, -0.00002m, 0.0003m),
        new FeeTier(250_000_000m, -0.00005m, 0.000275m),
        new FeeTier(500_000_000m, -0.00007m, 0.000275m),
        new FeeTier(1_000_000_000m, -0.00009m, 0.00025m),
        new FeeTier(2_500_000_000m, -0.00011m, 0.00025m),
    ]);

    public IReadOnlyList<FeeTier> Tiers { get; }

    /// <summary>Every problem with a schedule, naming the tier; empty when it is usable.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<FeeTier> tiers)
    {
        var problems = new List<string>();
        if (tiers.Count == 0)
        {
            problems.Add("at least one tier is needed");
            return problems;
        }

        if (tiers[0].MinVolume30d != 0m)
        {
            problems.Add($"tier 0 must start at volume 0 (every account needs a rate), it starts at {tiers[0].MinVolume30d.ToString(CultureInfo.InvariantCulture)}");
        }

        for (var i = 0; i < tiers.Count; i++)
        {
            var t = tiers[i];
            if (i > 0 && t.MinVolume30d <= tiers[i - 1].MinVolume30d)
            {
                problems.Add($"tier {i}: MinVolume30d {t.MinVolume30d.ToString(CultureInfo.InvariantCulture)} must be above tier {i - 1}'s");
            }

            if (t.TakerRate < 0m || t.TakerRate >= 0.01m)
            {
                problems.Add($"tier {i}: TakerRate {t.TakerRate.ToString(CultureInfo.InvariantCulture)} must be in [0, 0.01)");
            }

            if (t.MakerRate <= -0.01m || t.MakerRate >= 0.01m)
            {
                problems.Add($"tier {i}: MakerRate {t.MakerRate.ToString(CultureInfo.InvariantCulture)} must be in (-0.01, 0.01)");
            }

            // A maker rebate above the taker fee would let one account pay itself by trading with itself.
            if (-t.MakerRate > t.TakerRate)
            {
                problems.Add($"tier {i}: the maker rebate {(-t.MakerRate).ToString(CultureInfo.InvariantCulture)} exceeds the taker fee {t.TakerRate.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        return problems;
    }

    public int TierIndexFor(decimal volume30d)
    {
        if (volume30d < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(volume30d), volume30d, "traded volume is never negative");
        }

        var index = 0;
        for (var i = 1; i < Tiers.Count && Tiers[i].MinVolume30d <= volume30d; i++)
        {
            index = i;
        }

        return index;
    }

    public FeeTier TierFor(decimal volume30d) => Tiers[TierIndexFor(volume30d)];

    public decimal RateFor(Liquidity liquidity, decimal volume30d)
    {
        var tier = TierFor(volume30d);
        return liquidity == Liquidity.Maker ? tier.MakerRate : tier.TakerRate;
    }

    /// <summary>
    /// The fee on a fill of <paramref name="notional"/> (positive = the account pays, negative = rebate), exact, then
    /// rounded to <paramref name="decimals"/> places: fees the account pays round up and rebates round toward zero,
    /// so rounding never moves money from the fee pool to a trader.
    /// </summary>
    public decimal FeeFor(Liquidity liquidity, decimal notional, decimal volume30d, int decimals)
    {
        if (notional < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(notional), notional, "notional is |price × size|, never negative");
        }

        // ToPositiveInfinity and ToZero are directed roundings (ceiling, truncation), not midpoint rules.
        var fee = notional * RateFor(liquidity, volume30d);
        return decimal.Round(fee, decimals, fee >= 0m ? MidpointRounding.ToPositiveInfinity : MidpointRounding.ToZero);
    }
}
