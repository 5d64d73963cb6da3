using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;
using Clearing.Matching.Tests.Support;
using static Clearing.Matching.Tests.Support.EngineHarness;

namespace Clearing.Matching.Tests.Contract;

public abstract partial class MatchingEngineContract
{
    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void a_non_positive_quantity_is_rejected(long quantity)
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, quantity).Rejection().ShouldBe(RejectReason.NonPositiveQuantity);
        h.Bids().ShouldBeEmpty();
    }

    [Fact]
    public void a_non_positive_limit_price_is_rejected()
    {
        var h = NewHarness();
        h.Buy(1, 10, 0, 1).Rejection().ShouldBe(RejectReason.NonPositivePrice);
    }

    [Fact]
    public void an_unknown_market_is_rejected_for_every_command()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1, market: 99).Rejection().ShouldBe(RejectReason.UnknownMarket);
        h.Cancel(1, 10, market: 99).Rejection().ShouldBe(RejectReason.UnknownMarket);
        h.Amend(1, 10, 100, 1, market: -2).Rejection().ShouldBe(RejectReason.UnknownMarket);
        h.MassCancel(10, market: 7).Rejection().ShouldBe(RejectReason.UnknownMarket);
        h.Mark(100, market: 4).Rejection().ShouldBe(RejectReason.UnknownMarket);
    }

    [Fact]
    public void a_duplicate_order_id_is_rejected_while_the_first_order_is_live()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        var events = h.Sell(1, 11, 200, 1);
        events.Rejection().ShouldBe(RejectReason.DuplicateOrderId);
        events.Single().Command.ShouldBe(CommandKind.Place);
        h.Asks().ShouldBeEmpty();
    }

    [Fact]
    public void an_order_id_is_free_again_once_its_order_is_done()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        h.Cancel(1, 10);
        h.Buy(1, 10, 100, 1).Kinds().ShouldBe([EventKind.Accepted, EventKind.Rested]);
    }

    [Fact]
    public void cancel_of_an_order_that_is_not_resting_is_rejected()
    {
        var h = NewHarness();
        h.Cancel(42, 10).Rejection().ShouldBe(RejectReason.NotResting);
        h.Sell(1, 10, 100, 1);
        h.Buy(2, 11, 100, 1);
        h.Cancel(1, 10).Rejection().ShouldBe(RejectReason.NotResting);
    }

    [Fact]
    public void cancel_by_another_account_is_rejected_and_the_order_stays()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        h.Cancel(1, 11).Rejection().ShouldBe(RejectReason.NotOwner);
        h.Bids().ShouldBe([(1L, 100L, 1L)]);
    }

    [Fact]
    public void cancel_naming_the_wrong_market_is_rejected()
    {
        var h = NewHarness();
        h.Buy(1, 10, 100, 1);
        h.Cancel(1, 10, market: Eth).Rejection().ShouldBe(RejectReason.NotResting);
    }

    [Fact]
    public void cancel_removes_the_order_and_reports_its_remaining_quantity()
    {
        var h = NewHarness();
        h.Sell(1, 10, 100, 5);
        h.Buy(2, 11, 100, 2);
        h.Cancel(1, 10).Cancels().ShouldBe([(1L, CancelReason.UserRequested, 3L)]);
        h.Asks().ShouldBeEmpty();
    }

    [Fact]
    public void order_size_limits_are_enforced()
    {
        var config = StandardConfig() with
        {
            Instruments = [InstrumentSpec.Perpetual("X", "X", 1m, 1m) with { MinOrderLots = 5, MaxOrderLots = 50 }],
            FeeTierCount = 1,
        };
        var h = NewHarness(config);
        h.Buy(1, 10, 100, 4).Rejection().ShouldBe(RejectReason.BelowMinSize);
        h.Buy(2, 10, 100, 51).Rejection().ShouldBe(RejectReason.AboveMaxSize);
        h.Buy(3, 10, 100, 50).Kinds().ShouldBe([EventKind.Accepted, EventKind.Rested]);
    }

    [Fact]
    public void a_limit_price_outside_the_band_around_the_mark_is_rejected()
    {
        var config = StandardConfig() with
        {
            Instruments = [InstrumentSpec.Perpetual("X", "X", 1m, 1m) with { PriceBandBps = 500 }],
            FeeTierCount = 1,
        };
        var h = NewHarness(config);
        h.Buy(1, 10, 10_000, 1).Kinds().ShouldContain(EventKind.Rested, "no mark yet, no band");
        h.Mark(1_000);
        h.Buy(2, 10, 1_051, 1).Rejection().ShouldBe(RejectReason.PriceOutsideBand);
        h.Sell(3, 10, 949, 1).Rejection().ShouldBe(RejectReason.PriceOutsideBand);
        h.Buy(4, 10, 1_050, 1).Kinds().ShouldContain(EventKind.Rested);
        h.Sell(5, 11, 950, 1).Fills().ShouldBe([(5L, 1L, 10_000L, 1L)]);
    }

    [Fact]
    public void a_price_beyond_the_instruments_maximum_is_rejected()
    {
        var h = NewHarness();
        h.Buy(1, 10, 1_000_000_000_001, 1).Rejection().ShouldBe(RejectReason.PriceOutOfRange);
    }
}
