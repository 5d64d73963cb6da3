using Clearing.Liquidation.Domain.Process;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Domain;

public sealed class SliceTests
{
    [Fact]
    public void liquidation_starts_by_cancelling_open_orders_then_places_a_reduce_only_ioc_slice()
    {
        var events = LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"), Risk(), Rules(), NoOpenInterest);

        var cancel = events.OfType<OpenOrdersCancelled>().Single();
        var slice = events.OfType<SlicePlaced>().Single();
        events.ToList().IndexOf(cancel).ShouldBeLessThan(events.ToList().IndexOf(slice));
        slice.Side.ShouldBe(CloseSide.Sell);
        slice.LimitPrice.ShouldBe(45_080m);   // mark 46 000 less 2% reach, above the bankruptcy price 45 000
    }

    [Fact]
    public void a_partial_liquidation_closes_only_what_restores_initial_margin_with_a_buffer()
    {
        var events = LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"), Risk(toRestore: 1_300m, initial: 2_300m), Rules(), NoOpenInterest);

        var started = events.OfType<LiquidationStarted>().Single();
        started.Target.ShouldBe(0.622m);       // 1 300 / 2 300 × 1.1 = 0.6217…, rounded up to a lot
        started.Bankrupt.ShouldBeFalse();
        events.OfType<SlicePlaced>().Single().Quantity.ShouldBe(0.622m);
    }

    [Fact]
    public void an_account_below_two_thirds_of_maintenance_is_closed_in_full()
    {
        var events = LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"), Risk(equity: 500m, maintenance: 1_150m), Rules(), NoOpenInterest);

        events.OfType<LiquidationStarted>().Single().Target.ShouldBe(1m);
    }

    [Theory]
    [InlineData(1, 46_000, 45_000)]
    [InlineData(1, 44_000, 45_000)]      // bankrupt long: the book may only take it at 45 000 or better
    [InlineData(1, 45_010, 45_000.3)]    // bankruptcy price off the tick grid rounds away from it
    [InlineData(-2, 54_000, 55_000)]
    [InlineData(-2, 56_000, 55_000)]     // bankrupt short
    [InlineData(-2, 54_990, 55_000.7)]
    [InlineData(3, 30_000, -10)]         // deep equity: no bankruptcy price, bounded by the reach from the mark
    public void a_slice_is_never_worse_than_the_bankruptcy_price(double size, double mark, double bankruptcy)
    {
        var b = (decimal)bankruptcy;
        var events = LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"),
            Risk(kind: RiskKind.Bankrupt, size: (decimal)size, mark: (decimal)mark, bankruptcy: b, equity: -1m), Rules(), NoOpenInterest);

        var slice = events.OfType<SlicePlaced>().Single();
        if (slice.Side == CloseSide.Sell)
        {
            slice.LimitPrice.ShouldBeGreaterThanOrEqualTo(Math.Max(b, 0.5m));
        }
        else
        {
            slice.LimitPrice.ShouldBeLessThanOrEqualTo(b);
        }

        (slice.LimitPrice % 0.5m).ShouldBe(0m);
    }

    [Fact]
    public void a_large_position_is_sold_in_slices_with_a_cooldown_between_them()
    {
        var rules = Rules(Btc(r => r with { SliceCooldown = TimeSpan.FromSeconds(30) }));
        var risk = Risk(kind: RiskKind.Bankrupt, size: 10m, mark: 46_000m, bankruptcy: 45_000m, equity: -1m);
        var state = LiquidationAccount.Empty("acct-1");
        var start = LiquidationProcess.OnRisk(state, risk, rules, NoOpenInterest);
        state = Fold(state, start);
        var first = start.OfType<SlicePlaced>().Single();
        first.Quantity.ShouldBe(2m);   // 20% of 460 000 notional, above the 100 000 threshold
        state = Fold(state, LiquidationProcess.OnSliceFill(state, new SliceFillInput(first.OrderId, "BTC-PERP", "f1", 2m, 45_100m, T0, Source("book-BTC-PERP")), rules));

        LiquidationProcess.Advance(state, T0.AddSeconds(29), rules, Fund(0m), NoCandidates, NoOpenInterest).ShouldBeEmpty();
        var second = LiquidationProcess.Advance(state, T0.AddSeconds(30), rules, Fund(0m), NoCandidates, NoOpenInterest).OfType<SlicePlaced>().Single();
        second.Quantity.ShouldBe(2m);
        second.OrderId.ShouldNotBe(first.OrderId);
    }

    [Fact]
    public void one_slice_never_takes_more_than_its_share_of_the_market_open_interest()
    {
        var events = LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"),
            Risk(kind: RiskKind.Bankrupt, size: 1m, equity: -1m), Rules(), _ => 4m);

        events.OfType<SlicePlaced>().Single().Quantity.ShouldBe(0.4m);   // 10% of 4 open
    }

    [Fact]
    public void a_slice_matching_never_answers_ends_at_its_deadline_and_counts_as_unabsorbed()
    {
        var rules = Rules();
        var state = Fold(LiquidationAccount.Empty("acct-1"), LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"),
            Risk(kind: RiskKind.Bankrupt, mark: 44_000m, equity: -1_000m), rules, NoOpenInterest));

        LiquidationProcess.Advance(state, T0.AddSeconds(4), rules, Fund(10_000m), NoCandidates, NoOpenInterest).ShouldBeEmpty();
        var events = LiquidationProcess.Advance(state, T0.AddSeconds(5), rules, Fund(10_000m), NoCandidates, NoOpenInterest);

        events.Select(e => e.GetType().Name).ShouldBe([nameof(SliceEnded), nameof(TransferredToFund), nameof(LiquidationCompleted)]);
        events.OfType<SliceEnded>().Single().Reason.ShouldBe("no-answer-from-matching");
    }

    [Fact]
    public void the_liquidation_fee_never_reaches_past_the_bankruptcy_price()
    {
        var rules = Rules();
        var state = Fold(LiquidationAccount.Empty("acct-1"), LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"), Risk(), rules, NoOpenInterest));
        var order = state.Active!.Markets["BTC-PERP"].Slice!.OrderId;

        var rich = LiquidationProcess.OnSliceFill(state, new SliceFillInput(order, "BTC-PERP", "f1", 0.1m, 46_000m, T0, Source("book-BTC-PERP")), rules);
        var thin = LiquidationProcess.OnSliceFill(state, new SliceFillInput(order, "BTC-PERP", "f1", 0.1m, 45_100m, T0, Source("book-BTC-PERP")), rules);

        rich.OfType<SliceFilled>().Single().LiquidationFee.ShouldBe(46m);   // 1% of 4 600
        thin.OfType<SliceFilled>().Single().LiquidationFee.ShouldBe(10m);   // only 100 × 0.1 above 45 000 is left
    }

    [Fact]
    public void an_account_that_turns_bankrupt_during_a_partial_liquidation_is_closed_in_full_and_goes_to_the_fund_after_one_miss()
    {
        var rules = Rules();
        var state = Fold(LiquidationAccount.Empty("acct-1"), LiquidationProcess.OnRisk(LiquidationAccount.Empty("acct-1"), Risk(), rules, NoOpenInterest));
        state.Active!.Markets["BTC-PERP"].Target.ShouldBe(0.622m);

        var refresh = LiquidationProcess.OnRisk(state, Risk(kind: RiskKind.Bankrupt, mark: 44_000m, equity: -1_000m, at: T0.AddSeconds(1)), rules, NoOpenInterest);
        state = Fold(state, refresh);

        refresh.Single().ShouldBeOfType<LiquidationRiskRefreshed>().Bankrupt.ShouldBeTrue();
        state.Liquidations.ShouldBe(1);
        state.Active!.Markets["BTC-PERP"].Target.ShouldBe(1m);
        var order = state.Active.Markets["BTC-PERP"].Slice!.OrderId;
        state = Fold(state, LiquidationProcess.OnSliceEnd(state, new SliceEndInput(order, "BTC-PERP", "cancelled:ioc-remainder", T0.AddSeconds(1), Source("book-BTC-PERP"))));
        var backstop = LiquidationProcess.Advance(state, T0.AddSeconds(2), rules, Fund(10_000m), NoCandidates, NoOpenInterest);
        var toFund = backstop.OfType<TransferredToFund>().Single();
        toFund.Size.ShouldBe(1m);
        toFund.LossCovered.ShouldBe(1_000m);   // taken at 45 000, the mark is 44 000
    }
}
