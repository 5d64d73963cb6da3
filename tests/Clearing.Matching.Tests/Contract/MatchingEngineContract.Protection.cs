using Clearing.Matching.Domain;
using Clearing.Matching.Tests.Support;
using static Clearing.Matching.Tests.Support.EngineHarness;

namespace Clearing.Matching.Tests.Contract;

public abstract partial class MatchingEngineContract
{
    private const int BtcUnderlying = 0;
    private const long MarketMaker = 77;

    // BTC lots are 0.001 BTC = 1 000 000 nano-units.
    private static EngineCommand Protect(long now, long window, long quantityLimitNano, long deltaLimitNano, long cooldown) =>
        EngineCommand.ConfigureProtection(now, MarketMaker, BtcUnderlying, window, quantityLimitNano, deltaLimitNano, cooldown);

    [Fact]
    public void fills_beyond_the_protection_limit_cancel_the_accounts_quotes_on_that_underlying_only()
    {
        var h = NewHarness();
        h.Run(Protect(h.Now, window: 100, quantityLimitNano: 5_000_000, deltaLimitNano: 0, cooldown: 50));
        h.Sell(1, MarketMaker, 100, 4, flags: OrderFlags.Quote);
        h.Sell(2, MarketMaker, 101, 4, flags: OrderFlags.Quote);
        h.Sell(3, MarketMaker, 102, 4, flags: OrderFlags.Quote, market: BtcFuture);
        h.Sell(4, MarketMaker, 103, 4, market: Btc);
        h.Sell(5, MarketMaker, 104, 4, flags: OrderFlags.Quote, market: Eth);
        var events = h.Buy(6, 20, 101, 6);
        events.Kinds().ShouldBe([EventKind.Accepted, EventKind.Filled, EventKind.Filled, EventKind.ProtectionTriggered,
            EventKind.Cancelled, EventKind.Cancelled]);
        events.Fills().ShouldBe([(6L, 1L, 100L, 4L), (6L, 2L, 101L, 2L)], "the breach is acted on after the command's matching");
        events.Single(EventKind.ProtectionTriggered).Aux.ShouldBe(h.Now + 50);
        events.Cancels().ShouldBe([(2L, CancelReason.MarketMakerProtection, 2L), (3L, CancelReason.MarketMakerProtection, 4L)]);
        h.Asks().Select(a => a.Id).ShouldBe([4L]);
        h.Asks(Eth).Select(a => a.Id).ShouldBe([5L]);
    }

    [Fact]
    public void new_quotes_are_refused_during_the_cooldown_and_accepted_after_it()
    {
        var h = NewHarness();
        h.Run(Protect(h.Now, window: 100, quantityLimitNano: 1_000_000, deltaLimitNano: 0, cooldown: 50));
        h.Buy(1, MarketMaker, 100, 2, flags: OrderFlags.Quote);
        h.Sell(2, 20, 100, 2).Kinds().ShouldContain(EventKind.ProtectionTriggered);
        h.Now = 30;
        h.Buy(3, MarketMaker, 100, 1, flags: OrderFlags.Quote, market: BtcFuture).Rejection().ShouldBe(RejectReason.ProtectionFrozen);
        h.Buy(4, MarketMaker, 100, 1).Kinds().ShouldContain(EventKind.Rested, "orders that are not quotes still go in");
        h.Now = 51;
        h.Buy(5, MarketMaker, 100, 1, flags: OrderFlags.Quote).Kinds().ShouldContain(EventKind.Rested);
    }

    [Fact]
    public void fills_older_than_the_window_do_not_count_toward_protection()
    {
        var h = NewHarness();
        h.Run(Protect(h.Now, window: 10, quantityLimitNano: 3_000_000, deltaLimitNano: 0, cooldown: 50));
        h.Sell(1, MarketMaker, 100, 10, flags: OrderFlags.Quote);
        h.Buy(2, 20, 100, 2).Kinds().ShouldNotContain(EventKind.ProtectionTriggered);
        h.Now += 10;
        h.Buy(3, 20, 100, 2).Kinds().ShouldNotContain(EventKind.ProtectionTriggered);
        h.Now += 1;
        h.Buy(4, 20, 100, 2).Kinds().ShouldContain(EventKind.ProtectionTriggered);
    }

    [Fact]
    public void option_fills_count_toward_the_delta_limit_with_the_marks_delta()
    {
        var h = NewHarness();
        // Option lots are 0.1 BTC = 100 000 000 nano; delta 0.5 → 50 000 000 nano-delta per lot. Limit 0.12 BTC of delta.
        h.Run(Protect(h.Now, window: 100, quantityLimitNano: 0, deltaLimitNano: 120_000_000, cooldown: 5));
        h.Mark(50, market: BtcCall, delta: 5_000);
        h.Sell(1, MarketMaker, 50, 10, flags: OrderFlags.Quote, market: BtcCall);
        h.Buy(2, MarketMaker, 40, 5, flags: OrderFlags.Quote, market: BtcCall);
        h.Buy(3, 20, 50, 2, market: BtcCall).Kinds().ShouldNotContain(EventKind.ProtectionTriggered, "0.1 BTC of delta");
        var events = h.Sell(4, 21, 40, 3, market: BtcCall);
        events.Kinds().ShouldNotContain(EventKind.ProtectionTriggered, "buying back nets delta to +0.05");
        events = h.Buy(5, 22, 50, 5, market: BtcCall);
        events.Kinds().ShouldContain(EventKind.ProtectionTriggered, "net −0.2 BTC of delta");
        events.Cancels().Select(c => (c.Id, c.Quantity)).ShouldBe([(1L, 3L), (2L, 2L)]);
    }

    [Fact]
    public void invalid_protection_settings_are_rejected()
    {
        var h = NewHarness();
        h.Run(Protect(h.Now, window: 0, 1, 1, 1)).Rejection().ShouldBe(RejectReason.InvalidProtectionSettings);
        h.Run(EngineCommand.ConfigureProtection(h.Now, MarketMaker, 9, 10, 1, 1, 1)).Rejection().ShouldBe(RejectReason.UnknownUnderlying);
    }

    [Fact]
    public void the_same_commands_give_the_same_state_hash_and_different_ones_do_not()
    {
        EngineHarness Replay(long lastPrice)
        {
            var h = NewHarness();
            h.Sell(1, 10, 100, 3);
            h.Buy(2, 20, 100, 1);
            h.Buy(3, 20, 99, 1, TimeInForce.GoodTillTime, expireAt: 500);
            h.Conditional(4, 20, Side.Buy, OrderType.StopLimit, 150, 140, 1);
            h.Sell(5, 30, lastPrice, 1);
            return h;
        }

        Replay(120).Engine.StateHash().ShouldBe(Replay(120).Engine.StateHash());
        Replay(120).Engine.StateHash().ShouldNotBe(Replay(121).Engine.StateHash());
    }
}
