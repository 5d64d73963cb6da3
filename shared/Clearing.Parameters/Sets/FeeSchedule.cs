using System.Text.Json.Serialization;

namespace Clearing.Parameters;

/// <summary>Fees for accounts whose 30-day volume is at least <see cref="MinVolume30d"/> (quote currency).</summary>
public sealed record FeeTier(decimal MinVolume30d, decimal MakerFee, decimal TakerFee);

/// <summary>
/// The venue fee schedule (set "fees"), volume tiers as on dYdX (maker +1 bp down to a −1.1 bp rebate, taker 5 → 2.5 bp)
/// and Hyperliquid (REFERENCE.md §Fees). Loosening: a lower fee at any volume (including a tier threshold moved down),
/// a larger maker rebate bound.
/// </summary>
public sealed record FeeSchedule(IReadOnlyList<FeeTier> Tiers, decimal MaxMakerRebate) : ParameterSet
{
    [JsonIgnore]
    public override ParameterKind Kind => ParameterKind.Fees;

    [JsonIgnore]
    public override string SetId => ParameterSets.Fees;

    public override IEnumerable<string> Validate()
    {
        foreach (var reason in Fields.Between("maxMakerRebate", MaxMakerRebate, 0m, MarketParameters.AbsoluteMakerRebateLimit))
        {
            yield return $"fees: {reason}";
        }

        var tiers = Tiers ?? [];
        if (tiers.Count == 0 || tiers[0].MinVolume30d != 0)
        {
            yield return "fees: tiers must start with a tier at minVolume30d 0 (every account pays something)";
        }

        for (var i = 0; i < tiers.Count; i++)
        {
            var tier = tiers[i];
            foreach (var reason in Fields.Between($"tiers[{i}].takerFee", tier.TakerFee, 0m, 0.01m))
            {
                yield return $"fees: {reason}";
            }

            if (tier.MakerFee > 0.01m)
            {
                yield return $"fees: tiers[{i}].makerFee is {Fields.Text(tier.MakerFee)}; it must be at most 0.01";
            }

            if (tier.MakerFee < 0 && -tier.MakerFee > MaxMakerRebate)
            {
                yield return $"fees: tiers[{i}].makerFee {Fields.Text(tier.MakerFee)} is a rebate beyond maxMakerRebate {Fields.Text(MaxMakerRebate)}";
            }

            if (tier.MakerFee + tier.TakerFee < 0)
            {
                yield return $"fees: tiers[{i}] pays a maker rebate larger than the taker fee: the venue would pay out on every matched trade";
            }

            if (i > 0)
            {
                var previous = tiers[i - 1];
                if (tier.MinVolume30d <= previous.MinVolume30d)
                {
                    yield return $"fees: tiers[{i}].minVolume30d {Fields.Text(tier.MinVolume30d)} must be above tiers[{i - 1}]'s";
                }

                if (tier.MakerFee > previous.MakerFee || tier.TakerFee > previous.TakerFee)
                {
                    yield return $"fees: tiers[{i}] charges more than tiers[{i - 1}]: more volume must never cost more";
                }
            }
        }
    }

    public override IReadOnlyList<FieldChange> ChangesFrom(ParameterSet previous)
    {
        var old = (FeeSchedule)previous;
        var changes = new List<FieldChange>();
        if (old.Tiers.Count == Tiers.Count && old.Tiers.Zip(Tiers).All(p => p.First.MinVolume30d == p.Second.MinVolume30d))
        {
            for (var i = 0; i < Tiers.Count; i++)
            {
                Fields.Compare(changes, $"tiers[{i}].makerFee", old.Tiers[i].MakerFee, Tiers[i].MakerFee, higherLoosens: false);
                Fields.Compare(changes, $"tiers[{i}].takerFee", old.Tiers[i].TakerFee, Tiers[i].TakerFee, higherLoosens: false);
            }
        }
        else
        {
            changes.Add(new FieldChange("tiers", Describe(old.Tiers), Describe(Tiers), LowersAnyFee(old.Tiers, Tiers) ? ChangeDirection.Loosening : ChangeDirection.Tightening));
        }

        Fields.Compare(changes, "maxMakerRebate", old.MaxMakerRebate, MaxMakerRebate, higherLoosens: true);
        return changes;
    }

    /// <summary>Fee schedules are step functions of volume, so comparing at every threshold of either schedule is exact.</summary>
    private static bool LowersAnyFee(IReadOnlyList<FeeTier> old, IReadOnlyList<FeeTier> @new) =>
        old.Concat(@new).Select(t => t.MinVolume30d).Distinct().Any(volume =>
        {
            var (o, n) = (At(old, volume), At(@new, volume));
            return n.MakerFee < o.MakerFee || n.TakerFee < o.TakerFee;
        });

    private static FeeTier At(IReadOnlyList<FeeTier> tiers, decimal volume) => tiers.LastOrDefault(t => t.MinVolume30d <= volume) ?? tiers[0];

    private static string Describe(IReadOnlyList<FeeTier> tiers) =>
        string.Join("; ", tiers.Select(t => $"≥{Fields.Text(t.MinVolume30d)}: maker {Fields.Text(t.MakerFee)} taker {Fields.Text(t.TakerFee)}"));
}
