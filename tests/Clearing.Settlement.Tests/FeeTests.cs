using System.Collections.Immutable;
using Clearing.Settlement.Domain.Fees;
using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Tests;

public sealed class FeeTests
{
    private static readonly FeeSchedule Schedule = FeeSchedule.Default;

    [Theory]
    [InlineData(0, 0)]
    [InlineData(999_999.99, 0)]
    [InlineData(1_000_000, 1)]
    [InlineData(24_999_999, 2)]
    [InlineData(25_000_000, 3)]
    [InlineData(10_000_000_000, 8)]
    public void the_tier_is_the_highest_whose_threshold_the_volume_reaches(decimal volume, int tier)
    {
        Schedule.TierIndexFor(volume).ShouldBe(tier);
    }

    [Fact]
    public void the_default_schedule_spans_the_published_dydx_range()
    {
        Schedule.Tiers.Count.ShouldBe(9);
        Schedule.Tiers[0].TakerRate.ShouldBe(0.0005m);
        Schedule.Tiers[0].MakerRate.ShouldBe(0.0001m);
        Schedule.Tiers[^1].TakerRate.ShouldBe(0.00025m);
        Schedule.Tiers[^1].MakerRate.ShouldBe(-0.00011m);
    }

    [Fact]
    public void fees_round_up_and_rebates_round_toward_zero()
    {
        // 12345.678 × 5 bp = 6.1728390 → 6.18 paid; top tier maker: 12345.678 × −1.1 bp = −1.35802458 → −1.35 rebate.
        Schedule.FeeFor(Liquidity.Taker, 12_345.678m, 0m, 2).ShouldBe(6.18m);
        Schedule.FeeFor(Liquidity.Maker, 12_345.678m, 3_000_000_000m, 2).ShouldBe(-1.35m);
        Schedule.FeeFor(Liquidity.Taker, 10_000m, 0m, 2).ShouldBe(5m);
    }

    [Fact]
    public void a_schedule_whose_rebate_beats_the_taker_fee_or_whose_tiers_are_out_of_order_is_refused()
    {
        var problems = FeeSchedule.Validate([new FeeTier(0m, -0.0006m, 0.0005m), new FeeTier(0m, 0m, 0.0004m)]);
        problems.ShouldContain(p => p.Contains("maker rebate 0.0006 exceeds the taker fee 0.0005"));
        problems.ShouldContain(p => p.Contains("tier 1: MinVolume30d 0 must be above tier 0's"));
        FeeSchedule.Validate([new FeeTier(10m, 0m, 0.0004m)]).ShouldContain(p => p.Contains("tier 0 must start at volume 0"));
        Should.Throw<ArgumentException>(() => new FeeSchedule([]));
    }

    [Fact]
    public void thirty_day_volume_forgets_days_older_than_the_window()
    {
        const long day = 86_400L * 1_000_000_000;
        var volume = RollingVolume.Empty.Add(0, 1_000m).Add(10 * day, 500m).Add(29 * day, 250m);
        volume.VolumeAsOf(29 * day).ShouldBe(1_750m);
        volume.VolumeAsOf(30 * day).ShouldBe(750m);
        volume.Add(45 * day, 1m).ByDay.Keys.ShouldBe([29L, 45L]);
    }

    [Fact]
    public void thirty_day_volume_keeps_the_buckets_the_rebuild_on_every_fill_kept_for_fills_in_and_out_of_order_and_before_the_epoch()
    {
        const long day = 86_400L * 1_000_000_000;
        var random = new Random(11);
        var volume = RollingVolume.Empty;
        var reference = ImmutableSortedDictionary<long, decimal>.Empty;
        for (var n = 0; n < 3_000; n++)
        {
            // Mostly forward in time, sometimes back a few days, starting before the Unix epoch.
            var time = (n / 20 - 40) * day + random.NextInt64(-3 * day, day);
            var notional = random.Next(1, 10_000) / 100m;
            var refDay = (long)Math.Floor(time / (decimal)day);
            RollingVolume.DayOf(time).ShouldBe(refDay, $"time {time}");
            var kept = reference.Where(kv => kv.Key > refDay - RollingVolume.WindowDays).ToImmutableSortedDictionary();
            reference = kept.SetItem(refDay, kept.GetValueOrDefault(refDay) + notional);

            volume = volume.Add(time, notional);

            volume.ByDay.ToList().ShouldBe(reference.ToList(), $"fill {n}");
        }

        RollingVolume.DayOf(-1).ShouldBe(-1);
        RollingVolume.DayOf(-day).ShouldBe(-1);
        RollingVolume.DayOf(-day - 1).ShouldBe(-2);
        RollingVolume.DayOf(day - 1).ShouldBe(0);
    }

    [Fact]
    public void the_fee_pool_split_is_exact_and_the_dust_goes_to_the_first_share()
    {
        var policy = new FeeDistributionPolicy([new FeeShare(LedgerAccounts.InsuranceFund, 1m / 3m + 0.0000000000000000000000000001m), new FeeShare(LedgerAccounts.Treasury, 1m / 3m), new FeeShare("vault:main", 1m / 3m)], 2);
        var split = policy.Split(100m);
        split.Sum(a => a.Amount).ShouldBe(100m);
        split.Select(a => a.Amount).ShouldBe([33.34m, 33.33m, 33.33m]);

        FeeDistributionPolicy.Default.Split(0.00000001m).Sum(a => a.Amount).ShouldBe(0.00000001m);
    }

    [Fact]
    public void the_default_policy_pays_the_vault_share_into_the_vaults_trading_account()
    {
        FeeDistributionPolicy.Default.Split(100m).Select(a => (a.AccountId, a.Amount))
            .ShouldBe([(LedgerAccounts.InsuranceFund, 50m), (LedgerAccounts.Treasury, 30m), ("vault-hlp", 20m)]);
        (LiquidationFeeSharePolicy.Default.AccountId, LiquidationFeeSharePolicy.Default.Fraction).ShouldBe(("vault-hlp", 0.5m));
    }

    [Fact]
    public void the_liquidation_fee_share_is_cut_down_and_never_takes_more_than_the_fund_holds_free()
    {
        var policy = LiquidationFeeSharePolicy.Default;
        policy.Due(unsharedFees: 40.00000003m, fundFree: 1_000m).ShouldBe(20.00000001m);
        policy.Due(unsharedFees: 40m, fundFree: 12.5m).ShouldBe(12.5m);
        policy.Due(unsharedFees: 40m, fundFree: -3m).ShouldBe(0m);
        policy.Due(unsharedFees: 0m, fundFree: 1_000m).ShouldBe(0m);
        (policy with { Fraction = 0m }).Due(40m, 1_000m).ShouldBe(0m);
    }

    [Fact]
    public void a_liquidation_fee_share_cannot_be_paid_to_the_fund_itself_nor_above_one()
    {
        new LiquidationFeeSharePolicy(LedgerAccounts.InsuranceFund, 0.5m, 8).Validate().ShouldContain(p => p.Contains("cannot be system:insurance-fund"));
        new LiquidationFeeSharePolicy("vault-hlp", 1.5m, 8).Validate().ShouldContain(p => p.Contains("must be in [0, 1]"));
        LiquidationFeeSharePolicy.Default.Validate().ShouldBeEmpty();
    }

    [Fact]
    public void shares_must_sum_to_one_and_never_pay_the_pool_itself()
    {
        var problems = FeeDistributionPolicy.Validate([new FeeShare(LedgerAccounts.FeePool, 0.5m), new FeeShare("x", 0.4m)], 8);
        problems.ShouldContain(p => p.Contains("cannot be paid to itself"));
        problems.ShouldContain(p => p.Contains("fractions sum to 0.9, not 1"));
    }

    [Fact]
    public void announced_but_unbooked_distributions_are_not_distributed_again()
    {
        FeeDistributionPolicy.Distributable(poolBalance: 100m, announcedTotal: 60m, bookedTotal: 20m).ShouldBe(60m);
        FeeDistributionPolicy.Distributable(poolBalance: 30m, announcedTotal: 60m, bookedTotal: 20m).ShouldBe(0m);
        FeeDistributionPolicy.Distributable(poolBalance: 30m, announcedTotal: 60m, bookedTotal: 60m).ShouldBe(30m);
    }
}
