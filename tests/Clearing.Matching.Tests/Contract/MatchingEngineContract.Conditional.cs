using Clearing.Matching.Domain;
using Clearing.Matching.Tests.Support;
using static Clearing.Matching.Tests.Support.EngineHarness;

namespace Clearing.Matching.Tests.Contract;

public abstract partial class MatchingEngineContract
{
    [Fact]
    public void a_stop_market_buy_waits_for_the_mark_to_reach_its_trigger()
    {
        var h = NewHarness();
        h.Mark(100);
        h.Sell(1, 10, 130, 5);
        h.Conditional(2, 20, Side.Buy, OrderType.StopMarket, 120, 0, 2).Kinds().ShouldBe([EventKind.Accepted]);
        h.Book().Conditionals.Select(c => c.OrderId).ShouldBe([2L]);
        h.Mark(119).ShouldBeEmpty();
        var events = h.Mark(120);
        events.Kinds().ShouldBe([EventKind.Triggered, EventKind.Filled]);
        events.Fills().ShouldBe([(2L, 1L, 130L, 2L)]);
        h.Book().Conditionals.ShouldBeEmpty();
    }

    [Fact]
    public void the_last_trade_price_does_not_trigger_conditional_orders()
    {
        var h = NewHarness();
        h.Mark(100);
        h.Conditional(1, 20, Side.Sell, OrderType.StopMarket, 90, 0, 1);
        h.Buy(2, 10, 80, 1);
        h.Sell(3, 11, 80, 1).Kinds().ShouldNotContain(EventKind.Triggered);
        h.Book().Conditionals.Count.ShouldBe(1);
    }

    [Fact]
    public void stops_enter_the_book_in_the_order_the_mark_passes_their_triggers()
    {
        var h = NewHarness();
        h.Mark(100);
        h.Sell(1, 10, 200, 100);
        h.Conditional(11, 20, Side.Buy, OrderType.StopMarket, 130, 0, 1);
        h.Conditional(12, 21, Side.Buy, OrderType.StopMarket, 110, 0, 1);
        h.Conditional(13, 22, Side.Sell, OrderType.TakeProfitMarket, 120, 0, 1);
        h.Conditional(14, 23, Side.Buy, OrderType.StopMarket, 110, 0, 1);
        h.Conditional(15, 24, Side.Buy, OrderType.StopMarket, 150, 0, 1);
        h.Mark(140).Where(e => e.Kind == EventKind.Triggered).Select(e => e.OrderId).ShouldBe([12L, 14L, 13L, 11L]);
        h.Book().Conditionals.Select(c => c.OrderId).ShouldBe([15L]);
    }

    [Fact]
    public void falling_marks_fire_sell_stops_and_buy_take_profits_highest_trigger_first()
    {
        var h = NewHarness();
        h.Mark(100);
        h.Buy(1, 10, 10, 100);
        h.Conditional(11, 20, Side.Sell, OrderType.StopMarket, 80, 0, 1);
        h.Conditional(12, 21, Side.Buy, OrderType.TakeProfitLimit, 90, 50, 1);
        h.Conditional(13, 22, Side.Sell, OrderType.StopLimit, 95, 60, 1);
        var events = h.Mark(70);
        events.Where(e => e.Kind == EventKind.Triggered).Select(e => e.OrderId).ShouldBe([13L, 12L, 11L]);
        events.Fills().ShouldBe([(11L, 12L, 50L, 1L)], "the stop-market sell meets the take-profit bid that fired just before it");
        h.Asks().ShouldBe([(13L, 60L, 1L)]);
        h.Bids().ShouldBe([(1L, 10L, 100L)]);
    }

    [Fact]
    public void on_the_first_mark_every_satisfied_conditional_fires_in_acceptance_order()
    {
        var h = NewHarness();
        h.Conditional(1, 20, Side.Sell, OrderType.StopLimit, 150, 500, 1);
        h.Conditional(2, 21, Side.Buy, OrderType.StopLimit, 50, 40, 1);
        h.Conditional(3, 22, Side.Buy, OrderType.StopLimit, 200, 40, 1);
        h.Mark(100).Where(e => e.Kind == EventKind.Triggered).Select(e => e.OrderId).ShouldBe([1L, 2L]);
        h.Book().Conditionals.Select(c => c.OrderId).ShouldBe([3L]);
    }

    [Fact]
    public void a_conditional_whose_trigger_the_mark_already_passed_fires_at_once()
    {
        var h = NewHarness();
        h.Mark(100);
        var events = h.Conditional(1, 20, Side.Sell, OrderType.StopLimit, 110, 105, 2);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Triggered, EventKind.Rested]);
        h.Asks().ShouldBe([(1L, 105L, 2L)]);
    }

    [Fact]
    public void a_pending_conditional_can_be_cancelled_but_not_amended()
    {
        var h = NewHarness();
        h.Conditional(1, 20, Side.Buy, OrderType.StopMarket, 120, 0, 2);
        h.Amend(1, 20, 100, 1).Rejection().ShouldBe(RejectReason.NotResting);
        h.Cancel(1, 21).Rejection().ShouldBe(RejectReason.NotOwner);
        h.Cancel(1, 20).Cancels().ShouldBe([(1L, CancelReason.UserRequested, 2L)]);
        h.Mark(200).ShouldBeEmpty();
    }

    [Fact]
    public void a_halted_market_defers_triggers_until_it_reopens()
    {
        var h = NewHarness();
        h.Mark(100);
        h.Sell(1, 10, 130, 5);
        h.Conditional(2, 20, Side.Buy, OrderType.StopMarket, 120, 0, 1);
        h.Status(MarketStatus.Halted);
        h.Mark(125).ShouldBeEmpty();
        h.Status(MarketStatus.Open).Kinds().ShouldBe([EventKind.MarketStatusChanged, EventKind.Triggered, EventKind.Filled]);
    }

    [Fact]
    public void a_reduce_only_stop_is_sized_to_the_position_when_it_fires()
    {
        var h = NewHarness();
        h.Mark(100);
        h.Sell(1, 11, 100, 3);
        h.Buy(2, 10, 100, 3);
        h.Conditional(3, 10, Side.Sell, OrderType.StopMarket, 90, 0, 10, OrderFlags.ReduceOnly);
        h.Conditional(4, 10, Side.Sell, OrderType.StopMarket, 85, 0, 10, OrderFlags.ReduceOnly);
        h.Buy(5, 12, 80, 100);
        var events = h.Mark(80);
        events.Where(e => e.Kind == EventKind.Triggered).Select(e => (e.OrderId, e.Quantity)).ShouldBe([(3L, 3L), (4L, 10L)]);
        events.Fills().ShouldBe([(3L, 5L, 80L, 3L)]);
        events.Cancels().ShouldBe([(4L, CancelReason.ReduceOnly, 10L)]);
    }

    [Fact]
    public void a_conditional_order_with_a_bad_trigger_is_rejected()
    {
        var h = NewHarness();
        h.Conditional(1, 20, Side.Buy, OrderType.StopMarket, 0, 0, 1).Rejection().ShouldBe(RejectReason.InvalidTrigger);
    }
}
