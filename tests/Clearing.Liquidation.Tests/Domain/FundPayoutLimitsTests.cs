using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Process;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Domain;

/// <summary>
/// The insurance fund's cross-market caps (governance set "insurance"): at most max_payout_per_event per takeover and
/// max_payout_per_day within 24 h for all markets; what the fund cannot pay within them goes on to ADL.
/// </summary>
public sealed class FundPayoutLimitsTests
{
    private static readonly AdlCandidate[] Shorts = [new("acct-2", -2m, 50_000m, 20_000m)];

    private static MarketRules Eth() => new() { Market = "ETH-PERP", TickSize = 0.05m, LotSize = 0.01m };

    /// <summary>acct-1 bankrupt long 1 BTC (mark 44 000, bankruptcy 45 000: 1 000 of loss per BTC), book missed once.</summary>
    private static LiquidationAccount BankruptAfterBookMiss(LiquidationRules rules, RiskInput? risk = null)
    {
        var state = LiquidationAccount.Empty("acct-1");
        state = Fold(state, LiquidationProcess.OnRisk(state, risk ?? Risk(kind: RiskKind.Bankrupt, mark: 44_000m, bankruptcy: 45_000m, equity: -1_000m), rules, NoOpenInterest));
        foreach (var slice in state.Active!.Markets.Values.Select(m => m.Slice!).ToList())
        {
            var market = state.Active!.OrderMarkets[slice.OrderId];
            state = Fold(state, LiquidationProcess.OnSliceEnd(state, new SliceEndInput(slice.OrderId, market, "cancelled:ioc-remainder", T0, Source($"book-{market}"))));
        }

        return state;
    }

    [Fact]
    public void the_fund_pays_at_most_the_per_event_cap_for_one_takeover_and_adl_takes_the_rest()
    {
        var rules = new LiquidationRules([Btc()], new FundPayoutLimits(MaxPayoutPerEvent: 300m, MaxPayoutPerDay: null));
        var state = BankruptAfterBookMiss(rules);

        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), rules, FundState(10_000m).Capacity(rules, T0.AddSeconds(1)), _ => Shorts, NoOpenInterest);

        var toFund = events.OfType<TransferredToFund>().Single();
        toFund.Size.ShouldBe(0.3m);
        toFund.LossCovered.ShouldBe(300m);
        toFund.FundBalanceAfter.ShouldBe(9_700m);
        toFund.Reason.ShouldContain("per-event cap 300");
        var adl = events.OfType<AdlExecuted>().Single();
        adl.Size.ShouldBe(0.7m);
        adl.LossAbsorbed.ShouldBe(700m);
        adl.Reason.ShouldContain("insurance fund could not cover 700");
        adl.Reason.ShouldContain("per-event cap 300");
        events.OfType<LiquidationCompleted>().Single().UncoveredLoss.ShouldBe(0m);
    }

    [Fact]
    public void payouts_of_other_markets_within_24_hours_count_against_the_per_day_cap_and_stop_counting_after()
    {
        var rules = new LiquidationRules([Btc(), Eth()], new FundPayoutLimits(MaxPayoutPerEvent: null, MaxPayoutPerDay: 1_000m));
        var ethPayout = new TransferredToFund("acct-9", "acct-9:1", "ETH-PERP", LiquidationProcess.FundAccountId, CloseSide.Sell, 8m, 3_100m, 3_000m, -800m, 800m, 9_200m, "why", T0.AddHours(-1));
        var fund = InsuranceFund.OnLiquidationEvent(FundState(10_000m), ethPayout, new("liquidation-acct-9", 4)).Aggregate(FundState(10_000m), InsuranceFund.Evolve);
        var state = BankruptAfterBookMiss(rules);

        fund.DailyPayoutLeft(rules.FundLimits, T0).ShouldBe(200m);
        var within = LiquidationProcess.Advance(state, T0.AddSeconds(1), rules, fund.Capacity(rules, T0.AddSeconds(1)), _ => Shorts, NoOpenInterest);
        within.OfType<TransferredToFund>().Single().LossCovered.ShouldBe(200m);
        within.OfType<AdlExecuted>().Single().Size.ShouldBe(0.8m);
        within.OfType<AdlExecuted>().Single().Reason.ShouldContain("per-day cap left for all markets: 0");

        // 24 h after the ETH payout it no longer counts: the whole loss fits.
        var dayLater = T0.AddHours(23).AddSeconds(1);
        fund.DailyPayoutLeft(rules.FundLimits, dayLater).ShouldBe(1_000m);
        var after = LiquidationProcess.Advance(state, dayLater, rules, fund.Capacity(rules, dayLater), _ => Shorts, NoOpenInterest);
        after.OfType<TransferredToFund>().Single().LossCovered.ShouldBe(1_000m);
        after.OfType<AdlExecuted>().ShouldBeEmpty();
    }

    [Fact]
    public void two_markets_backstopped_in_one_step_share_the_per_day_cap()
    {
        var rules = new LiquidationRules([Btc(), Eth()], new FundPayoutLimits(MaxPayoutPerEvent: null, MaxPayoutPerDay: 1_500m));
        var risk = new RiskInput("acct-1", RiskKind.Bankrupt, T0, -3_000m, 10_000m, 5_000m, 13_000m,
        [
            new PositionRiskInput("BTC-PERP", 1m, 50_000m, 44_000m, 1_000m, 45_000m),
            new PositionRiskInput("ETH-PERP", 10m, 3_200m, 3_000m, 1_000m, 3_100m),
        ], Source());
        var state = BankruptAfterBookMiss(rules, risk);
        AdlCandidate[] candidates = [new("acct-2", -2m, 50_000m, 20_000m), new("acct-3", -20m, 3_200m, 20_000m)];

        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), rules, FundState(10_000m).Capacity(rules, T0.AddSeconds(1)),
            m => candidates.Where(c => m == "BTC-PERP" ? c.AccountId == "acct-2" : c.AccountId == "acct-3").ToList(), NoOpenInterest);

        // BTC-PERP first (ordinal): its 1 000 of loss fits; ETH-PERP (1 000 of loss) gets the 500 left of the day.
        var toFund = events.OfType<TransferredToFund>().ToDictionary(e => e.Market);
        toFund["BTC-PERP"].LossCovered.ShouldBe(1_000m);
        toFund["ETH-PERP"].LossCovered.ShouldBe(500m);
        events.OfType<TransferredToFund>().Sum(e => e.LossCovered).ShouldBe(1_500m);
        events.OfType<AdlExecuted>().Single().Market.ShouldBe("ETH-PERP");
        events.OfType<AdlExecuted>().Single().Size.ShouldBe(5m);
    }

    [Fact]
    public void without_cross_market_caps_only_the_markets_own_cap_and_the_balance_bound_the_fund()
    {
        var rules = Rules();
        var state = BankruptAfterBookMiss(rules);

        rules.FundLimits.ShouldBe(FundPayoutLimits.None);
        FundState(10_000m).DailyPayoutLeft(rules.FundLimits, T0).ShouldBeNull();
        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), rules, FundState(10_000m).Capacity(rules, T0.AddSeconds(1)), _ => Shorts, NoOpenInterest);
        events.OfType<TransferredToFund>().Single().LossCovered.ShouldBe(1_000m);
        events.OfType<AdlExecuted>().ShouldBeEmpty();
    }

    [Fact]
    public void negative_caps_are_refused_by_name()
    {
        Should.Throw<ArgumentException>(() => new LiquidationRules([Btc()], new FundPayoutLimits(-1m, null))).Message.ShouldContain("MaxPayoutPerEvent must be >= 0");
        Should.Throw<ArgumentException>(() => new LiquidationRules([Btc()], new FundPayoutLimits(null, -1m))).Message.ShouldContain("MaxPayoutPerDay must be >= 0");
    }

    [Fact]
    public void with_insurance_replaces_every_markets_fee_rate_and_the_caps_and_keeps_the_rest()
    {
        var configured = new LiquidationRules([Btc(r => r with { FundPayoutCap = 123m }), Eth()]);

        var governed = configured.WithInsurance(0.005m, new FundPayoutLimits(1_000m, 5_000m));

        governed.All.ShouldAllBe(r => r.LiquidationFeeRate == 0.005m);
        governed.For("BTC-PERP").ShouldBe(Btc(r => r with { FundPayoutCap = 123m, LiquidationFeeRate = 0.005m }));
        governed.FundLimits.ShouldBe(new FundPayoutLimits(1_000m, 5_000m));
        configured.For("BTC-PERP").LiquidationFeeRate.ShouldBe(0.01m);
    }
}
