using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Integration;

namespace Clearing.OracleIngest.Tests;

public sealed class BookTopsTests
{
    private const string Market = "BTC-PERP";
    private readonly BookTops _tops = new();
    private long _sequence;

    private void Apply(Action<MatchingEvent> fill, long? sequence = null)
    {
        var e = new MatchingEvent { Market = Market, Sequence = sequence ?? ++_sequence };
        fill(e);
        _tops.Apply(e);
    }

    private void Rest(string id, Side side, string price, string remaining) =>
        Apply(e => e.Rested = new OrderRested { OrderId = id, AccountId = "a", Side = side, Price = price, Remaining = remaining });

    private MarketObservation Top() => _tops.Observe([Market])[Market];

    [Fact]
    public void the_top_of_the_book_and_the_last_trade_follow_rests_fills_and_cancels()
    {
        Rest("b1", Side.Buy, "99", "1");
        Rest("b2", Side.Buy, "100", "1");
        Rest("s1", Side.Sell, "101", "2");
        Top().ShouldBe(new MarketObservation(Market, 100m, 101m, null));

        Apply(e => e.Fill = new Fill { MakerOrderId = "s1", MakerRemaining = "0", TakerOrderId = "t", TakerRemaining = "0", Price = "101", Quantity = "2" });
        Apply(e => e.Cancelled = new OrderCancelled { OrderId = "b2", Quantity = "1", Reason = "user" });

        Top().ShouldBe(new MarketObservation(Market, 99m, null, 101m));
    }

    [Fact]
    public void a_repeat_is_skipped_and_a_jump_in_sequence_is_counted_as_a_gap()
    {
        Rest("b1", Side.Buy, "100", "1");
        Apply(e => e.Cancelled = new OrderCancelled { OrderId = "b1", Quantity = "1", Reason = "user" });
        Apply(e => e.Rested = new OrderRested { OrderId = "b1", AccountId = "a", Side = Side.Buy, Price = "100", Remaining = "1" }, sequence: 1);
        Top().BestBid.ShouldBeNull();
        _tops.Gaps.ShouldBe(0);

        Rest("b2", Side.Buy, "98", "1");
        Apply(e => e.Rested = new OrderRested { OrderId = "b3", AccountId = "a", Side = Side.Buy, Price = "97", Remaining = "1" }, sequence: 10);

        _tops.Gaps.ShouldBe(1);
        Top().BestBid.ShouldBe(98m);
    }

    [Fact]
    public void expiry_clears_the_book()
    {
        Rest("b1", Side.Buy, "100", "1");
        Apply(e => e.StatusChanged = new MarketStatusChanged { Status = "expired" });

        Top().BestBid.ShouldBeNull();
    }

    [Fact]
    public void a_rested_order_without_a_side_is_refused_as_malformed()
    {
        Should.Throw<FormatException>(() => Rest("b1", Side.Unspecified, "100", "1")).Message.ShouldContain("side");
    }

    [Fact]
    public void markets_never_seen_are_absent()
    {
        _tops.Observe(["ETH-PERP"]).ShouldBeEmpty();
    }
}
