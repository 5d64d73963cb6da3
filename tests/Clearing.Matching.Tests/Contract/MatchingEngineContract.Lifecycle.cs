using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;
using Clearing.Matching.Tests.Support;
using static Clearing.Matching.Tests.Support.EngineHarness;

namespace Clearing.Matching.Tests.Contract;

public abstract partial class MatchingEngineContract
{
    [Fact]
    public void a_halted_market_rejects_new_orders_and_keeps_its_book()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        h.Sell(2, 11, 110, 1);
        h.Status(MarketStatus.Halted).Single().Status.ShouldBe(MarketStatus.Halted);
        h.Sell(3, 12, 100, 1).Rejection().ShouldBe(RejectReason.MarketHalted);
        h.Amend(1, 10, 105, 1).Rejection().ShouldBe(RejectReason.MarketHalted);
        h.Bids().ShouldBe([(1L, 100L, 1L)]);
        h.Asks().ShouldBe([(2L, 110L, 1L)]);
        h.Cancel(2, 11).Cancels().ShouldBe([(2L, CancelReason.UserRequested, 1L)]);
        h.Status(MarketStatus.Open);
        h.Sell(3, 12, 100, 1).Fills().ShouldBe([(3L, 1L, 100L, 1L)]);
    }

    [Fact]
    public void a_pre_open_market_rejects_orders_until_it_opens()
    {
        var config = StandardConfig() with
        {
            Instruments = [InstrumentSpec.Perpetual("X", "X", 1m, 1m) with { InitialStatus = MarketStatus.PreOpen }],
            FeeTierCount = 1,
        };
        var h = NewHarness(config);
        h.Buy(1, 10, 100, 1).Rejection().ShouldBe(RejectReason.MarketNotOpen);
        h.Status(MarketStatus.Open);
        h.Buy(1, 10, 100, 1).Kinds().ShouldBe([EventKind.Accepted, EventKind.Rested]);
    }

    [Fact]
    public void expiring_a_market_cancels_every_resting_and_pending_order_and_rejects_everything_after()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        h.Buy(2, 11, 101, 1);
        h.Sell(3, 12, 110, 1);
        h.Conditional(4, 10, Side.Sell, OrderType.StopMarket, 50, 0, 1);
        var events = h.Status(MarketStatus.Expired);
        events[0].Kind.ShouldBe(EventKind.MarketStatusChanged);
        events.Cancels().ShouldBe(
        [
            (2L, CancelReason.InstrumentExpired, 1L), (1L, CancelReason.InstrumentExpired, 1L),
            (3L, CancelReason.InstrumentExpired, 1L), (4L, CancelReason.InstrumentExpired, 1L),
        ]);
        h.Buy(5, 10, 100, 1).Rejection().ShouldBe(RejectReason.MarketExpired);
        h.Status(MarketStatus.Open).Rejection().ShouldBe(RejectReason.InvalidStatusTransition);
    }

    [Fact]
    public void a_dated_future_expires_by_itself_when_time_passes_its_expiry()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1, market: BtcFuture);
        h.AdvanceTo(FutureExpiry - 1).ShouldBeEmpty();
        var events = h.AdvanceTo(FutureExpiry);
        events.Kinds().ShouldBe([EventKind.MarketStatusChanged, EventKind.Cancelled, EventKind.MarketStatusChanged]);
        events.Select(e => e.Market).ShouldBe([BtcFuture, BtcFuture, BtcCall]);
        h.Buy(2, 10, 100, 1, market: BtcFuture).Rejection().ShouldBe(RejectReason.MarketExpired);
        h.Buy(3, 10, 100, 1).Kinds().ShouldContain(EventKind.Rested, "the perpetual lives on");
    }

    [Fact]
    public void same_status_or_backwards_transitions_are_rejected()
    {
        var h = NewHarness();
        h.Status(MarketStatus.Open).Rejection().ShouldBe(RejectReason.InvalidStatusTransition);
        h.Status(MarketStatus.PreOpen).Rejection().ShouldBe(RejectReason.InvalidStatusTransition);
    }

    [Fact]
    public void a_good_till_time_order_is_cancelled_when_time_reaches_its_expiry()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1, TimeInForce.GoodTillTime, expireAt: 50);
        h.AdvanceTo(49).ShouldBeEmpty();
        var events = h.AdvanceTo(50);
        events.Cancels().ShouldBe([(1L, CancelReason.Expired, 1L)]);
        h.Bids().ShouldBeEmpty();
    }

    [Fact]
    public void expiries_run_before_the_command_that_carries_the_later_time()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1, TimeInForce.GoodTillTime, expireAt: 50);
        h.Now = 60;
        var events = h.Buy(2, 11, 100, 1);
        events.Kinds().ShouldBe([EventKind.Cancelled, EventKind.Accepted, EventKind.Rested]);
        events.Cancels().ShouldBe([(1L, CancelReason.Expired, 1L)]);
    }

    [Fact]
    public void good_till_time_expiries_run_in_expiry_then_acceptance_order()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1, TimeInForce.GoodTillTime, expireAt: 30);
        h.Buy(2, 10, 101, 1, TimeInForce.GoodTillTime, expireAt: 20);
        h.Buy(3, 10, 102, 1, TimeInForce.GoodTillTime, expireAt: 30);
        h.Conditional(4, 10, Side.Buy, OrderType.StopMarket, 900, 0, 1, tif: TimeInForce.GoodTillTime, expireAt: 25);
        h.AdvanceTo(100).Cancels().Select(c => c.Id).ShouldBe([2L, 4L, 1L, 3L]);
    }

    [Fact]
    public void a_good_till_time_order_with_its_expiry_in_the_past_is_rejected()
    {
        var h = NewHarness();
        h.Now = 10;
        h.Buy(1, 10, 100, 1, TimeInForce.GoodTillTime, expireAt: 10).Rejection().ShouldBe(RejectReason.ExpiryInPast);
    }

    [Fact]
    public void a_cancelled_good_till_time_order_does_not_expire_later()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1, TimeInForce.GoodTillTime, expireAt: 50);
        h.Cancel(1, 10);
        h.Buy(1, 10, 100, 1);
        h.AdvanceTo(60).ShouldBeEmpty();
        h.Bids().ShouldBe([(1L, 100L, 1L)]);
    }

    [Fact]
    public void time_never_runs_backwards()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1, TimeInForce.GoodTillTime, expireAt: 50);
        h.AdvanceTo(40);
        h.Now = 5;
        h.Buy(2, 10, 99, 1, TimeInForce.GoodTillTime, expireAt: 30).Rejection().ShouldBe(RejectReason.ExpiryInPast);
    }

    [Fact]
    public void reduce_only_without_a_position_is_rejected()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 1, flags: OrderFlags.ReduceOnly).Rejection().ShouldBe(RejectReason.ReduceOnlyNoPosition);
    }

    [Fact]
    public void reduce_only_on_the_side_that_would_grow_the_position_is_rejected()
    {
        var h = NewHarness();
        h.Sell(1, 11, 100, 2);
        h.Buy(2, 10, 100, 2);
        h.Buy(3, 10, 90, 1, flags: OrderFlags.ReduceOnly).Rejection().ShouldBe(RejectReason.ReduceOnlyNoPosition);
    }

    [Fact]
    public void reduce_only_quantity_is_clamped_to_the_position()
    {
        var h = NewHarness();
        h.Sell(1, 11, 100, 2);
        h.Buy(2, 10, 100, 2);
        var events = h.Sell(3, 10, 120, 5, flags: OrderFlags.ReduceOnly);
        events.Single(EventKind.Accepted).Quantity.ShouldBe(2);
        h.Asks().ShouldBe([(3L, 120L, 2L)]);
    }

    [Fact]
    public void a_reduce_only_maker_fills_at_most_the_remaining_position_and_is_then_cancelled()
    {
        var h = NewHarness();
        h.Sell(1, 11, 100, 3);
        h.Buy(2, 10, 100, 3);
        h.Sell(3, 10, 110, 3, flags: OrderFlags.ReduceOnly);
        h.Sell(4, 10, 111, 3, flags: OrderFlags.ReduceOnly);
        h.Sell(5, 12, 112, 3);
        var events = h.Buy(6, 20, 112, 7);
        events.Fills().ShouldBe([(6L, 3L, 110L, 3L), (6L, 5L, 112L, 3L)]);
        events.Cancels().ShouldBe([(4L, CancelReason.ReduceOnly, 3L)]);
        h.Engine.Position(10, Btc).ShouldBe(0);
    }

    [Fact]
    public void a_reduce_only_maker_partially_filled_down_to_a_flat_position_cancels_its_rest()
    {
        var h = NewHarness();
        h.Sell(1, 11, 100, 2);
        h.Buy(2, 10, 100, 2);
        h.Sell(3, 10, 110, 2, flags: OrderFlags.ReduceOnly);
        h.Buy(5, 11, 90, 1);
        h.Sell(6, 10, 90, 1).Fills().Count.ShouldBe(1);
        h.Engine.Position(10, Btc).ShouldBe(1);
        var events = h.Buy(7, 20, 110, 5);
        events.Fills().ShouldBe([(7L, 3L, 110L, 1L)]);
        events.Cancels().ShouldBe([(3L, CancelReason.ReduceOnly, 1L)]);
    }

    [Fact]
    public void fills_carry_maker_rebate_and_taker_fee_for_the_account_tiers()
    {
        var h = NewHarness();
        // 100_000 ticks × 0.5 = 50 000; 100 lots × 0.001 = 0.1; notional 5 000.
        h.Sell(1, 10, 100_000, 100);
        var fill = h.Buy(2, 20, 100_000, 100).Single(EventKind.Filled);
        fill.MakerFee.ShouldBe(-50_000_000, "-1 bp of 5 000 = -0.5 in 1e-8 units");
        fill.TakerFee.ShouldBe(250_000_000, "5 bp of 5 000 = 2.5");
        h.Tier(10, 1).ShouldBeEmpty();
        h.Tier(20, 1);
        h.Sell(3, 10, 100_000, 100);
        fill = h.Buy(4, 20, 100_000, 100).Single(EventKind.Filled);
        (fill.MakerFee, fill.TakerFee).ShouldBe((-100_000_000L, 150_000_000L));
        h.Tier(20, 2).Rejection().ShouldBe(RejectReason.UnknownTier);
    }

    [Fact]
    public void fees_round_toward_the_venue_on_both_sides()
    {
        var config = StandardConfig() with
        {
            FeeTierCount = 1,
            Instruments =
            [
                InstrumentSpec.Perpetual("X", "X", 0.01m, 0.001m) with { FeeDecimals = 2, FeeTiers = [new FeeRate(-250, 333)] },
            ],
        };
        var h = NewHarness(config);
        // 12 345 ticks × 0.01 = 123.45; 7 lots × 0.001 = 0.007; notional 0.86415.
        h.Sell(1, 10, 12_345, 7);
        var fill = h.Buy(2, 20, 12_345, 7).Single(EventKind.Filled);
        fill.TakerFee.ShouldBe(1, "0.000287... rounds up to 0.01");
        fill.MakerFee.ShouldBe(0, "-0.000216... rounds toward zero");
    }
}

public abstract partial class MatchingEngineContract
{
    private static EngineHarness WithStaleReduceOnlyAsk(EngineHarness h)
    {
        h.Sell(1, 11, 100, 3);
        h.Buy(2, 10, 100, 3);
        h.Sell(3, 10, 110, 3, flags: OrderFlags.ReduceOnly);
        h.Buy(4, 12, 90, 2);
        h.Sell(5, 10, 90, 2);
        h.Engine.Position(10, Btc).ShouldBe(1, "the resting reduce-only ask now exceeds the position");
        return h;
    }

    [Fact]
    public void a_fok_counts_a_reduce_only_maker_only_up_to_its_accounts_position()
    {
        var h = WithStaleReduceOnlyAsk(NewHarness());
        var events = h.Buy(6, 20, 110, 3, TimeInForce.FillOrKill);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Cancelled]);
        events.Cancels().ShouldBe([(6L, CancelReason.FillOrKill, 3L)]);
        h.Asks().ShouldBe([(3L, 110L, 3L)]);
    }

    [Fact]
    public void a_fok_filled_partly_by_a_capped_reduce_only_maker_takes_the_rest_behind_it()
    {
        var h = WithStaleReduceOnlyAsk(NewHarness());
        h.Sell(7, 13, 110, 2);
        var events = h.Buy(8, 20, 110, 3, TimeInForce.FillOrKill);
        events.Fills().ShouldBe([(8L, 3L, 110L, 1L), (8L, 7L, 110L, 2L)]);
        events.Cancels().ShouldBe([(3L, CancelReason.ReduceOnly, 2L)]);
    }
}
