using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Funding.Application;
using Clearing.Primitives.Markets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using BookLevel = Clearing.Funding.Domain.BookLevel;

namespace Clearing.Funding.Tests.Host;

public sealed class MarketBooksTests
{
    private const string Market = "BTC-PERP";
    private long _sequence;

    private readonly MarketBooks _books = new(
        new FundingMarkets(Options.Create(new FundingOptions()), MarketCatalog.EmbeddedDefaults),
        NullLogger<MarketBooks>.Instance);

    private MatchingEvent Next(Action<MatchingEvent> fill)
    {
        var e = new MatchingEvent { Market = Market, Sequence = ++_sequence };
        fill(e);
        return e;
    }

    private void Rest(string id, Side side, string price, string remaining) =>
        _books.Apply(Next(e => e.Rested = new OrderRested { OrderId = id, AccountId = "a", Side = side, Price = price, Remaining = remaining }));

    private (IReadOnlyList<BookLevel> Bids, IReadOnlyList<BookLevel> Asks) Depth() => _books.Depth(Market, 1_000_000_000m);

    [Fact]
    public void rested_orders_add_up_per_level_best_first()
    {
        Rest("b1", Side.Buy, "100", "1");
        Rest("b2", Side.Buy, "101", "2");
        Rest("b3", Side.Buy, "100", "3");
        Rest("s1", Side.Sell, "103", "1");
        Rest("s2", Side.Sell, "102", "5");

        var (bids, asks) = Depth();
        bids.ShouldBe([new BookLevel(101m, 2m), new BookLevel(100m, 4m)]);
        asks.ShouldBe([new BookLevel(102m, 5m), new BookLevel(103m, 1m)]);
    }

    [Fact]
    public void fills_reduce_the_maker_and_remove_it_when_done()
    {
        Rest("s1", Side.Sell, "102", "5");
        Rest("s2", Side.Sell, "103", "1");
        _books.Apply(Next(e => e.Fill = new Fill { MakerOrderId = "s1", MakerRemaining = "2", TakerOrderId = "t", TakerRemaining = "1", Price = "102", Quantity = "3" }));
        Depth().Asks.ShouldBe([new BookLevel(102m, 2m), new BookLevel(103m, 1m)]);

        _books.Apply(Next(e => e.Fill = new Fill { MakerOrderId = "s1", MakerRemaining = "0", TakerOrderId = "t", TakerRemaining = "0", Price = "102", Quantity = "2" }));
        Depth().Asks.ShouldBe([new BookLevel(103m, 1m)]);
    }

    [Fact]
    public void cancels_and_amends_move_the_levels()
    {
        Rest("b1", Side.Buy, "100", "4");
        Rest("b2", Side.Buy, "99", "1");
        _books.Apply(Next(e => e.Amended = new OrderAmended { OrderId = "b1", Price = "100", Quantity = "3", KeptPriority = true }));
        Depth().Bids.ShouldBe([new BookLevel(100m, 3m), new BookLevel(99m, 1m)]);

        // A re-priced order leaves the book; matching rests it again (after any fills) with a new Rested.
        _books.Apply(Next(e => e.Amended = new OrderAmended { OrderId = "b1", Price = "98", Quantity = "3", KeptPriority = false }));
        Depth().Bids.ShouldBe([new BookLevel(99m, 1m)]);
        Rest("b1", Side.Buy, "98", "3");
        Depth().Bids.ShouldBe([new BookLevel(99m, 1m), new BookLevel(98m, 3m)]);

        _books.Apply(Next(e => e.Cancelled = new OrderCancelled { OrderId = "b2", Quantity = "1", Reason = "user" }));
        Depth().Bids.ShouldBe([new BookLevel(98m, 3m)]);
    }

    [Fact]
    public void a_repeated_event_is_applied_once()
    {
        var rested = Next(e => e.Rested = new OrderRested { OrderId = "b1", Side = Side.Buy, Price = "100", Remaining = "1" });
        _books.Apply(rested);
        _books.Apply(Next(e => e.Fill = new Fill { MakerOrderId = "b1", MakerRemaining = "0", TakerOrderId = "t", TakerRemaining = "0", Price = "100", Quantity = "1" }));
        _books.Apply(rested);

        Depth().Bids.ShouldBeEmpty();
    }

    [Fact]
    public void depth_stops_at_the_level_that_covers_the_notional()
    {
        Rest("s1", Side.Sell, "100", "5");
        Rest("s2", Side.Sell, "101", "5");
        Rest("s3", Side.Sell, "102", "5");

        _books.Depth(Market, 600m).Asks.ShouldBe([new BookLevel(100m, 5m), new BookLevel(101m, 5m)]);
    }

    [Fact]
    public void events_of_markets_without_funding_are_ignored()
    {
        _books.Apply(new MatchingEvent { Market = "BTC-26MAR27", Sequence = 1, Rested = new OrderRested { OrderId = "x", Side = Side.Buy, Price = "1", Remaining = "1" } });

        _books.Depth("BTC-26MAR27", 1m).Bids.ShouldBeEmpty();
    }

    [Fact]
    public void a_malformed_price_names_the_field()
    {
        Should.Throw<FormatException>(() => Rest("b1", Side.Buy, "1e5", "1")).Message.ShouldContain("rested.price");
    }
}
