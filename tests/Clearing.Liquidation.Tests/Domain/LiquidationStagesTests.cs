using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Tests.Support;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Domain;

public sealed class LiquidationStagesTests
{
    private static readonly AdlCandidate[] Shorts =
    [
        new("acct-3", -1m, 45_000m, 44_000m),   // profit 1 000, leverage 1   → score 1 000
        new("acct-2", -0.2m, 50_000m, 2_000m),  // profit 1 200, leverage 4.4 → score 5 280
        new("acct-4", 0.5m, 40_000m, 10_000m),  // a long: never an ADL counterparty of a long
    ];

    [Fact]
    public void stages_run_in_order_book_first_then_insurance_fund_then_adl()
    {
        var rules = Rules();
        var state = LiquidationAccount.Empty("acct-1");
        var start = LiquidationProcess.OnRisk(state, Risk(kind: RiskKind.Bankrupt, mark: 44_000m, bankruptcy: 45_000m, equity: -1_000m), rules, NoOpenInterest);
        state = Fold(state, start);
        var slice = start.OfType<SlicePlaced>().Single();

        var fill = LiquidationProcess.OnSliceFill(state, new SliceFillInput(slice.OrderId, "BTC-PERP", "BTC-PERP:7", 0.4m, 45_000m, T0.AddMilliseconds(5), Source("book-BTC-PERP")), rules);
        state = Fold(state, fill);
        var end = LiquidationProcess.OnSliceEnd(state, new SliceEndInput(slice.OrderId, "BTC-PERP", "cancelled:ioc-remainder", T0.AddMilliseconds(5), Source("book-BTC-PERP")));
        state = Fold(state, end);
        var backstop = LiquidationProcess.Advance(state, T0.AddSeconds(1), rules, Fund(300m), _ => Shorts, NoOpenInterest);
        state = Fold(state, backstop);

        start.Concat(fill).Concat(end).Concat(backstop).Select(e => e.GetType().Name).ShouldBe(
        [
            nameof(LiquidationStarted), nameof(OpenOrdersCancelled), nameof(SlicePlaced), nameof(SliceFilled), nameof(SliceEnded),
            nameof(TransferredToFund), nameof(AdlExecuted), nameof(AdlExecuted), nameof(LiquidationCompleted),
        ]);
        var toFund = backstop.OfType<TransferredToFund>().Single();
        toFund.Size.ShouldBe(0.3m);                 // 300 of fund at 1 000 loss per unit
        toFund.BankruptcyPrice.ShouldBe(45_000m);
        toFund.LossCovered.ShouldBe(300m);
        toFund.FundBalanceAfter.ShouldBe(0m);
        var adl = backstop.OfType<AdlExecuted>().ToList();
        adl.Sum(a => a.Size).ShouldBe(0.3m);
        adl.ShouldAllBe(a => a.Price == 45_000m);
        var completed = backstop.OfType<LiquidationCompleted>().Single();
        (completed.ClosedInBook, completed.TakenByFund, completed.Deleveraged, completed.UncoveredLoss).ShouldBe((0.4m, 0.3m, 0.3m, 0m));
        completed.Last.ShouldBeTrue();
        state.Active.ShouldBeNull();
    }

    [Fact]
    public void adl_ranks_opposing_positions_by_profit_times_leverage_and_says_who_and_why()
    {
        var rules = Rules();
        var state = Fold(LiquidationAccount.Empty("acct-1"), LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"),
            Risk(kind: RiskKind.Bankrupt, mark: 44_000m, bankruptcy: 45_000m, equity: -1_000m), rules, NoOpenInterest));
        var order = state.Active!.Markets["BTC-PERP"].Slice!.OrderId;
        state = Fold(state, LiquidationProcess.OnSliceEnd(state, new SliceEndInput(order, "BTC-PERP", "cancelled:ioc-remainder", T0, Source("book-BTC-PERP"))));

        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), rules, Fund(0m), _ => Shorts, NoOpenInterest);

        var adl = events.OfType<AdlExecuted>().ToList();
        adl.Select(a => (a.CounterpartyAccountId, a.Rank, a.Size)).ShouldBe([("acct-2", 1, 0.2m), ("acct-3", 2, 0.8m)]);
        adl[0].Profit.ShouldBe(1_200m);
        adl[0].Leverage.ShouldBe(4.4m);
        adl[0].RankScore.ShouldBe(5_280m);
        adl[0].LossAbsorbed.ShouldBe(200m);          // 0.2 bought back at 45 000 with the mark at 44 000
        adl[0].CounterpartySizeBefore.ShouldBe(-0.2m);
        adl[0].Reason.ShouldContain("insurance fund could not cover");
        adl[0].Reason.ShouldContain("acct-2 ranked #1 of 2");
        adl[0].Reason.ShouldContain("profit × leverage = 1200 × 4.4 = 5280");
        events.OfType<TransferredToFund>().ShouldBeEmpty();
        events.OfType<LiquidationCompleted>().Single().UncoveredLoss.ShouldBe(0m);
    }

    [Fact]
    public void loss_neither_the_fund_nor_adl_can_take_is_recorded_as_uncovered()
    {
        var rules = Rules();
        var state = Fold(LiquidationAccount.Empty("acct-1"), LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"),
            Risk(kind: RiskKind.Bankrupt, mark: 44_000m, bankruptcy: 45_000m, equity: -1_000m), rules, NoOpenInterest));
        var order = state.Active!.Markets["BTC-PERP"].Slice!.OrderId;
        state = Fold(state, LiquidationProcess.OnSliceEnd(state, new SliceEndInput(order, "BTC-PERP", "rejected:market-halted", T0, Source("book-BTC-PERP"))));

        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), rules, Fund(100m), _ => [new AdlCandidate("acct-2", -0.5m, 50_000m, 5_000m)], NoOpenInterest);

        events.OfType<TransferredToFund>().Single().Size.ShouldBe(0.1m);
        events.OfType<AdlExecuted>().Single().Size.ShouldBe(0.5m);
        var completed = events.OfType<LiquidationCompleted>().Single();
        completed.UncoveredSize.ShouldBe(0.4m);
        completed.UncoveredLoss.ShouldBe(400m);
    }

    [Fact]
    public void the_fund_payout_for_one_market_stops_at_its_cap_and_adl_takes_the_rest()
    {
        var rules = Rules(Btc(r => r with { FundPayoutCap = 250m }));
        var state = Fold(LiquidationAccount.Empty("acct-1"), LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"),
            Risk(kind: RiskKind.Bankrupt, mark: 44_000m, bankruptcy: 45_000m, equity: -1_000m), rules, NoOpenInterest));
        var order = state.Active!.Markets["BTC-PERP"].Slice!.OrderId;
        state = Fold(state, LiquidationProcess.OnSliceEnd(state, new SliceEndInput(order, "BTC-PERP", "cancelled:ioc-remainder", T0, Source("book-BTC-PERP"))));
        var fund = new Clearing.Liquidation.Domain.Fund.InsuranceFundState { Balance = 1_000_000m };

        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), rules, fund.Capacity(rules, T0), _ => Shorts, NoOpenInterest);

        // A rich fund still pays at most the market's cap: a thin, pumped market cannot drain it (Mango, JELLY).
        var toFund = events.OfType<TransferredToFund>().Single();
        toFund.LossCovered.ShouldBeLessThanOrEqualTo(250m);
        toFund.Size.ShouldBe(0.25m);
        events.OfType<AdlExecuted>().Sum(a => a.Size).ShouldBe(0.75m);
    }

    [Fact]
    public void a_market_whose_cap_is_used_up_in_the_window_gets_nothing_more_until_the_window_passes()
    {
        var rules = Rules(Btc(r => r with { FundPayoutCap = 1_000m, PayoutCapWindow = TimeSpan.FromHours(1) }));
        var fund = new Clearing.Liquidation.Domain.Fund.InsuranceFundState { Balance = 10_000m };
        fund = Clearing.Liquidation.Domain.Fund.InsuranceFund.Evolve(fund, new Clearing.Liquidation.Domain.Fund.FundTakeoverBooked(
            "acct-9", "acct-9:1", "BTC-PERP", 1m, 45_000m, 44_000m, -1_000m, 9_000m, T0, Source("liquidation-acct-9")));

        fund.RemainingCap(rules.For("BTC-PERP"), T0.AddMinutes(30)).ShouldBe(0m);
        fund.RemainingCap(rules.For("BTC-PERP"), T0.AddMinutes(61)).ShouldBe(1_000m);
    }

    [Fact]
    public void a_solvent_account_taken_over_by_the_fund_leaves_the_fund_the_difference_to_the_mark()
    {
        var rules = Rules();
        var state = Fold(LiquidationAccount.Empty("acct-1"), LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"), Risk(), rules, NoOpenInterest));
        for (var miss = 0; miss < rules.For("BTC-PERP").BookAttemptsBeforeFund; miss++)
        {
            var now = T0.AddSeconds(miss * 40);
            state = Fold(state, LiquidationProcess.Advance(state, now, rules, Fund(0m), NoCandidates, NoOpenInterest));
            var order = state.Active!.Markets["BTC-PERP"].Slice!.OrderId;
            state = Fold(state, LiquidationProcess.OnSliceEnd(state, new SliceEndInput(order, "BTC-PERP", "cancelled:ioc-remainder", now, Source("book-BTC-PERP"))));
        }

        var events = LiquidationProcess.Advance(state, T0.AddSeconds(100), rules, Fund(0m), NoCandidates, NoOpenInterest);

        var toFund = events.OfType<TransferredToFund>().Single();
        toFund.Size.ShouldBe(0.622m);                // the partial target, not the whole position
        toFund.FundChange.ShouldBe(0.622m * 1_000m); // taken at 45 000, marked at 46 000
        toFund.LossCovered.ShouldBe(0m);
        events.OfType<AdlExecuted>().ShouldBeEmpty();
    }
}
