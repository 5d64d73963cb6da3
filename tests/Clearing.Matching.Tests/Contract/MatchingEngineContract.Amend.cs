using Clearing.Matching.Domain;
using Clearing.Matching.Tests.Support;
using static Clearing.Matching.Tests.Support.EngineHarness;

namespace Clearing.Matching.Tests.Contract;

public abstract partial class MatchingEngineContract
{
    [Fact]
    public void amending_size_down_keeps_priority()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 5);
        h.Sell(2, 11, 100, 5);
        var amended = h.Amend(1, 10, 100, 3).Single(EventKind.Amended);
        (amended.Quantity, amended.KeptPriority).ShouldBe((3L, true));
        h.Asks().ShouldBe([(1L, 100L, 3L), (2L, 100L, 5L)]);
        h.Buy(3, 20, 100, 4).Fills().ShouldBe([(3L, 1L, 100L, 3L), (3L, 2L, 100L, 1L)]);
    }

    [Fact]
    public void amending_size_up_loses_priority()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 5);
        h.Sell(2, 11, 100, 5);
        var events = h.Amend(1, 10, 100, 6);
        events.Kinds().ShouldBe([EventKind.Amended, EventKind.Rested]);
        events.Single(EventKind.Amended).KeptPriority.ShouldBeFalse();
        h.Asks().ShouldBe([(2L, 100L, 5L), (1L, 100L, 6L)]);
    }

    [Fact]
    public void amending_the_price_loses_priority_even_when_moving_back()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1);
        h.Sell(2, 11, 100, 1);
        h.Amend(1, 10, 101, 1);
        h.Amend(1, 10, 100, 1);
        h.Asks().ShouldBe([(2L, 100L, 1L), (1L, 100L, 1L)]);
    }

    [Fact]
    public void amending_to_a_crossing_price_trades_at_the_makers_price_and_rests_the_rest()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 2);
        h.Buy(2, 20, 95, 5);
        var events = h.Amend(2, 20, 101, 5);
        events.Kinds().ShouldBe([EventKind.Amended, EventKind.Filled, EventKind.Rested]);
        events.Fills().ShouldBe([(2L, 1L, 100L, 2L)]);
        h.Bids().ShouldBe([(2L, 101L, 3L)]);
    }

    [Fact]
    public void amending_a_post_only_order_to_a_crossing_price_is_rejected_and_the_order_is_untouched()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1);
        h.Buy(2, 20, 95, 1, flags: OrderFlags.PostOnly);
        h.Amend(2, 20, 100, 1).Rejection().ShouldBe(RejectReason.PostOnlyWouldCross);
        h.Bids().ShouldBe([(2L, 95L, 1L)]);
    }

    [Fact]
    public void amend_by_another_account_or_of_an_unknown_order_is_rejected()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        h.Amend(1, 11, 100, 1).Rejection().ShouldBe(RejectReason.NotOwner);
        h.Amend(9, 10, 100, 1).Rejection().ShouldBe(RejectReason.NotResting);
        h.Amend(1, 10, 100, 0).Rejection().ShouldBe(RejectReason.NonPositiveQuantity);
        h.Amend(1, 10, 0, 1).Rejection().ShouldBe(RejectReason.NonPositivePrice);
    }

    [Fact]
    public void amend_with_self_trade_prevention_uses_the_orders_own_mode()
    {
        var h = NewHarness();
        h.Sell(1, 20, 100, 1);
        h.Buy(2, 20, 95, 1, stp: SelfTradePrevention.CancelTaker);
        var events = h.Amend(2, 20, 100, 1);
        events.Cancels().ShouldBe([(2L, CancelReason.SelfTradePrevention, 1L)]);
        h.Asks().ShouldBe([(1L, 100L, 1L)]);
        h.Bids().ShouldBeEmpty();
        h.Cancel(2, 20).Rejection().ShouldBe(RejectReason.NotResting);
    }

    [Fact]
    public void mass_cancel_for_one_market_cancels_only_that_market_in_the_order_they_rested()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        h.Sell(2, 10, 200, 1, market: Eth);
        h.Sell(3, 10, 300, 1);
        h.Buy(4, 11, 100, 1);
        h.Amend(1, 10, 101, 1);
        h.MassCancel(10, Btc).Cancels().ShouldBe([(1L, CancelReason.MassCancel, 1L), (3L, CancelReason.MassCancel, 1L)]);
        h.Bids().ShouldBe([(4L, 100L, 1L)]);
        h.Asks(Eth).ShouldBe([(2L, 200L, 1L)]);
    }

    [Fact]
    public void mass_cancel_for_every_market_includes_pending_conditional_orders()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        h.Conditional(2, 10, Side.Buy, OrderType.StopMarket, 500, 0, 1);
        h.Sell(3, 10, 200, 1, market: Eth);
        h.MassCancel(10).Cancels().Select(c => c.Id).ShouldBe([1L, 3L, 2L]);
        h.Book().Conditionals.ShouldBeEmpty();
        h.MassCancel(10).ShouldBeEmpty();
    }
}
