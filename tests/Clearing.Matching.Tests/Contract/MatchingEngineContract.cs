using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Reference;
using Clearing.Matching.Tests.Support;
using static Clearing.Matching.Tests.Support.EngineHarness;

namespace Clearing.Matching.Tests.Contract;

/// <summary>
/// The one behaviour suite every engine must pass. Subclasses only say which engine to build, so the fast engine
/// is always held to exactly what the reference engine does.
/// </summary>
public abstract partial class MatchingEngineContract
{
    protected abstract IMatchingEngine CreateEngine(EngineConfig config);

    protected EngineHarness NewHarness(EngineConfig? config = null) => new(CreateEngine(config ?? StandardConfig()));

    [Fact]
    public void limit_order_that_does_not_cross_rests()
    {
        var h = NewHarness();
        var events = h.Buy(1, 10, 100, 5);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Rested]);
        events.Single(EventKind.Rested).Remaining.ShouldBe(5);
        h.Bids().ShouldBe([(1L, 100L, 5L)]);
    }

    [Fact]
    public void resting_orders_at_the_same_price_fill_in_time_order()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 2);
        h.Sell(2, 11, 100, 2);
        h.Sell(3, 12, 100, 2);
        var events = h.Buy(4, 20, 100, 5);
        events.Fills().ShouldBe([(4L, 1L, 100L, 2L), (4L, 2L, 100L, 2L), (4L, 3L, 100L, 1L)]);
        h.Asks().ShouldBe([(3L, 100L, 1L)]);
    }

    [Fact]
    public void better_priced_orders_fill_before_earlier_worse_priced_orders()
    {
        var h = NewHarness();
        h.Sell(1, 10, 102, 1);
        h.Sell(2, 11, 101, 1);
        h.Sell(3, 12, 100, 1);
        h.Buy(4, 20, 102, 3).Fills().Select(f => f.Maker).ShouldBe([3L, 2L, 1L]);
    }

    [Fact]
    public void a_trade_executes_at_the_maker_price()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1);
        h.Buy(2, 20, 105, 1).Fills().ShouldBe([(2L, 1L, 100L, 1L)]);
        h.Buy(3, 20, 90, 1);
        h.Sell(4, 10, 80, 1).Fills().ShouldBe([(4L, 3L, 90L, 1L)]);
    }

    [Fact]
    public void an_incoming_order_sweeps_levels_up_to_its_limit_and_rests_the_remainder()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1);
        h.Sell(2, 10, 101, 1);
        h.Sell(3, 10, 103, 1);
        var events = h.Buy(4, 20, 102, 5);
        events.Fills().ShouldBe([(4L, 1L, 100L, 1L), (4L, 2L, 101L, 1L)]);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Filled, EventKind.Filled, EventKind.Rested]);
        events.Single(EventKind.Rested).Remaining.ShouldBe(3);
        h.Bids().ShouldBe([(4L, 102L, 3L)]);
        h.Asks().ShouldBe([(3L, 103L, 1L)]);
    }

    [Fact]
    public void fill_events_carry_both_sides_remaining_quantities()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 5);
        var fill = h.Buy(2, 20, 100, 3).Single(EventKind.Filled);
        (fill.OrderId, fill.Account, fill.Side, fill.CounterOrderId, fill.CounterAccount).ShouldBe((2L, 20L, Side.Buy, 1L, 10L));
        (fill.Remaining, fill.CounterRemaining).ShouldBe((0L, 2L));
    }

    [Fact]
    public void a_market_order_never_rests_and_cancels_what_it_could_not_fill()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 2);
        h.Sell(2, 10, 150, 2);
        var events = h.MarketOrder(3, 20, Side.Buy, 6);
        events.Fills().ShouldBe([(3L, 1L, 100L, 2L), (3L, 2L, 150L, 2L)]);
        events.Cancels().ShouldBe([(3L, CancelReason.ImmediateOrCancel, 2L)]);
        h.Bids().ShouldBeEmpty();
        h.Asks().ShouldBeEmpty();
    }

    [Fact]
    public void a_market_order_on_an_empty_book_is_cancelled()
    {
        var h = NewHarness();
        h.MarketOrder(1, 20, Side.Sell, 3).Kinds().ShouldBe([EventKind.Accepted, EventKind.Cancelled]);
    }

    [Fact]
    public void an_ioc_order_fills_what_it_can_and_cancels_the_rest()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 2);
        var events = h.Buy(2, 20, 100, 5, TimeInForce.ImmediateOrCancel);
        events.Fills().ShouldBe([(2L, 1L, 100L, 2L)]);
        events.Cancels().ShouldBe([(2L, CancelReason.ImmediateOrCancel, 3L)]);
        h.Bids().ShouldBeEmpty();
    }

    [Fact]
    public void a_fok_that_cannot_fill_in_full_is_cancelled_with_no_side_effect()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 2);
        h.Sell(2, 11, 101, 2);
        var hash = h.Engine.StateHash();
        var events = h.Buy(3, 20, 101, 5, TimeInForce.FillOrKill);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Cancelled]);
        events.Cancels().ShouldBe([(3L, CancelReason.FillOrKill, 5L)]);
        h.Asks().ShouldBe([(1L, 100L, 2L), (2L, 101L, 2L)]);
        h.Engine.StateHash().ShouldNotBe(hash, "sequence numbers advanced");
        h.Engine.Position(20, Btc).ShouldBe(0);
    }

    [Fact]
    public void a_fok_that_can_fill_in_full_fills_across_levels()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 2);
        h.Sell(2, 11, 101, 3);
        var events = h.Buy(3, 20, 101, 5, TimeInForce.FillOrKill);
        events.Fills().ShouldBe([(3L, 1L, 100L, 2L), (3L, 2L, 101L, 3L)]);
        events.Cancels().ShouldBeEmpty();
    }

    [Fact]
    public void a_fok_does_not_count_resting_orders_of_its_own_account()
    {
        var h = NewHarness();
        h.Sell(1, 20, 100, 3);
        h.Sell(2, 11, 100, 2);
        var events = h.Buy(3, 20, 100, 4, TimeInForce.FillOrKill);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Cancelled], "no self-trade cancellation either");
        h.Asks().ShouldBe([(1L, 100L, 3L), (2L, 100L, 2L)]);
    }

    [Fact]
    public void a_fok_that_fills_in_full_cancels_its_own_resting_orders_it_passes_under_cancel_maker()
    {
        var h = NewHarness();
        h.Sell(1, 20, 100, 3);
        h.Sell(2, 11, 100, 2);
        var events = h.Buy(3, 20, 100, 2, TimeInForce.FillOrKill);
        events.Cancels().ShouldBe([(1L, CancelReason.SelfTradePrevention, 3L)]);
        events.Fills().ShouldBe([(3L, 2L, 100L, 2L)]);
    }

    [Fact]
    public void a_fok_under_cancel_taker_counts_nothing_behind_its_own_first_order()
    {
        var h = NewHarness();
        h.Sell(1, 11, 100, 1);
        h.Sell(2, 20, 100, 1);
        h.Sell(3, 12, 100, 5);
        var events = h.Buy(4, 20, 100, 2, TimeInForce.FillOrKill, stp: SelfTradePrevention.CancelTaker);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Cancelled]);
        events.Cancels().ShouldBe([(4L, CancelReason.FillOrKill, 2L)]);
    }

    [Fact]
    public void a_post_only_order_that_would_cross_is_cancelled_not_repriced()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1);
        var events = h.Buy(2, 20, 100, 1, flags: OrderFlags.PostOnly);
        events.Cancels().ShouldBe([(2L, CancelReason.PostOnlyWouldCross, 1L)]);
        events.Fills().ShouldBeEmpty();
        h.Bids().ShouldBeEmpty();
        h.Asks().ShouldBe([(1L, 100L, 1L)]);
    }

    [Fact]
    public void a_post_only_order_crossing_its_own_accounts_order_is_also_cancelled()
    {
        var h = NewHarness();
        h.Sell(1, 20, 100, 1);
        h.Buy(2, 20, 101, 1, flags: OrderFlags.PostOnly).Cancels().ShouldBe([(2L, CancelReason.PostOnlyWouldCross, 1L)]);
        h.Asks().ShouldBe([(1L, 100L, 1L)]);
    }

    [Fact]
    public void a_post_only_order_that_does_not_cross_rests()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1);
        h.Buy(2, 20, 99, 1, flags: OrderFlags.PostOnly).Kinds().ShouldBe([EventKind.Accepted, EventKind.Rested]);
    }

    [Theory]
    [InlineData(TimeInForce.ImmediateOrCancel)]
    [InlineData(TimeInForce.FillOrKill)]
    public void post_only_with_an_immediate_time_in_force_is_rejected(TimeInForce tif)
    {
        var h = NewHarness();
        h.Buy(1, 20, 99, 1, tif, OrderFlags.PostOnly).Rejection().ShouldBe(RejectReason.InvalidOrder);
    }

    [Fact]
    public void cancel_maker_cancels_the_own_resting_order_and_matching_continues()
    {
        var h = NewHarness();
        h.Sell(1, 20, 100, 2);
        h.Sell(2, 10, 100, 2);
        var events = h.Buy(3, 20, 100, 2);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Cancelled, EventKind.Filled]);
        events.Cancels().ShouldBe([(1L, CancelReason.SelfTradePrevention, 2L)]);
        events.Fills().ShouldBe([(3L, 2L, 100L, 2L)]);
    }

    [Fact]
    public void cancel_taker_cancels_the_rest_of_the_incoming_order_and_keeps_the_maker()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1);
        h.Sell(2, 20, 100, 2);
        h.Sell(3, 11, 100, 2);
        var events = h.Buy(4, 20, 100, 5, stp: SelfTradePrevention.CancelTaker);
        events.Fills().ShouldBe([(4L, 1L, 100L, 1L)]);
        events.Cancels().ShouldBe([(4L, CancelReason.SelfTradePrevention, 4L)]);
        h.Asks().ShouldBe([(2L, 100L, 2L), (3L, 100L, 2L)]);
        h.Bids().ShouldBeEmpty();
    }

    [Fact]
    public void cancel_both_cancels_the_maker_and_the_rest_of_the_taker()
    {
        var h = NewHarness();
        h.Sell(1, 20, 100, 2);
        h.Sell(2, 11, 100, 2);
        var events = h.Buy(3, 20, 100, 5, stp: SelfTradePrevention.CancelBoth);
        events.Cancels().ShouldBe([(1L, CancelReason.SelfTradePrevention, 2L), (3L, CancelReason.SelfTradePrevention, 5L)]);
        events.Fills().ShouldBeEmpty();
        h.Asks().ShouldBe([(2L, 100L, 2L)]);
    }

    [Fact]
    public void self_trade_prevention_meets_own_orders_in_priority_order_only_when_they_cross()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1);
        h.Sell(2, 20, 101, 1);
        var events = h.Buy(3, 20, 100, 2, stp: SelfTradePrevention.CancelTaker);
        events.Fills().ShouldBe([(3L, 1L, 100L, 1L)]);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Filled, EventKind.Rested], "the own order at 101 is not reached");
        h.Asks().ShouldBe([(2L, 101L, 1L)]);
    }

    [Fact]
    public void positions_follow_fills_and_sum_to_zero()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 3);
        h.Buy(2, 20, 100, 2);
        h.Buy(3, 30, 100, 1);
        (h.Engine.Position(10, Btc), h.Engine.Position(20, Btc), h.Engine.Position(30, Btc)).ShouldBe((-3L, 2L, 1L));
        h.Engine.Position(10, Eth).ShouldBe(0);
    }
}

public sealed class FastEngineContractTests : MatchingEngineContract
{
    protected override IMatchingEngine CreateEngine(EngineConfig config) => new MatchingEngine(config);
}

public sealed class ReferenceEngineContractTests : MatchingEngineContract
{
    protected override IMatchingEngine CreateEngine(EngineConfig config) => new ReferenceEngine(config);
}
