using Clearing.Contracts.Matching.V1;
using Clearing.OrderGateway.Integration;
using Clearing.Primitives.Markets;
using ProtoSide = Clearing.Contracts.Orders.V1.Side;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>Depth is described, and an event's accounts listed, only while someone listens; the book and its sequence move either way.</summary>
public sealed class MarketViewsDepthTests
{
    private const string Market = "BTC-PERP";
    private readonly MarketViews _views = new(MarketCatalog.EmbeddedDefaults, TimeProvider.System);
    private long _sequence;

    private void Rest(string orderId, ProtoSide side, string price, string remaining) =>
        _views.Apply(new MatchingEvent { Market = Market, Sequence = ++_sequence, Rested = new OrderRested { AccountId = "mm", OrderId = orderId, Side = side, Price = price, Remaining = remaining } });

    [Fact]
    public void a_subscriber_after_unobserved_changes_gets_their_snapshot_then_every_delta_and_a_later_one_continues_the_sequence()
    {
        Rest("1", ProtoSide.Buy, "100", "1");
        Rest("2", ProtoSide.Sell, "101", "2");

        var first = _views.SubscribeDepth(Market, depth: 0);
        first.Snapshot.Sequence.ShouldBe(2);
        first.Snapshot.Bids.Single().Quantity.ShouldBe(1m);
        Rest("3", ProtoSide.Buy, "100", "2");
        first.Deltas.TryRead(out var delta).ShouldBeTrue();
        delta!.Sequence.ShouldBe(3);
        delta.Bids.Single().ShouldBe(new Clearing.OrderGateway.Domain.Depth.DepthLevel(100m, 3m, 2));
        first.Dispose();

        Rest("4", ProtoSide.Sell, "102", "1");
        first.Deltas.TryRead(out _).ShouldBeFalse();

        using var second = _views.SubscribeDepth(Market, depth: 0);
        second.Snapshot.Sequence.ShouldBe(4);
        second.Snapshot.Asks.Count.ShouldBe(2);
        Rest("5", ProtoSide.Sell, "103", "1");
        second.Deltas.TryRead(out var next).ShouldBeTrue();
        next!.Sequence.ShouldBe(5);
    }

    [Fact]
    public void with_two_subscribers_one_leaving_does_not_stop_the_others_deltas()
    {
        var staying = _views.SubscribeDepth(Market, depth: 0);
        var leaving = _views.SubscribeDepth(Market, depth: 0);
        leaving.Dispose();
        leaving.Dispose();

        Rest("1", ProtoSide.Buy, "100", "1");

        staying.Deltas.TryRead(out var delta).ShouldBeTrue();
        delta!.Sequence.ShouldBe(1);
        staying.Dispose();
    }

    [Fact]
    public void account_updates_reach_each_live_subscriber_of_the_accounts_an_event_names_and_stop_when_they_leave()
    {
        var maker = _views.SubscribeAccount("mm");
        var taker = _views.SubscribeAccount("t-1");
        var makerAgain = _views.SubscribeAccount("mm");
        var fill = new MatchingEvent
        {
            Market = Market, Sequence = ++_sequence,
            Fill = new Fill { MakerAccountId = "mm", MakerOrderId = "q", MakerRemaining = "0", TakerAccountId = "t-1", TakerOrderId = "x", TakerRemaining = "0", Price = "100", Quantity = "1" },
        };
        _views.Apply(fill);

        maker.Updates.TryRead(out var seen).ShouldBeTrue();
        seen.ShouldBe(fill);
        makerAgain.Updates.TryRead(out _).ShouldBeTrue();
        taker.Updates.TryRead(out _).ShouldBeTrue();

        maker.Dispose();
        makerAgain.Dispose();
        taker.Dispose();
        taker.Dispose();
        Rest("after", ProtoSide.Buy, "99", "1");
        maker.Updates.TryRead(out _).ShouldBeFalse();

        using var later = _views.SubscribeAccount("mm");
        Rest("later", ProtoSide.Buy, "98", "1");
        later.Updates.TryRead(out var rested).ShouldBeTrue();
        rested!.Rested.OrderId.ShouldBe("later");
    }
}
