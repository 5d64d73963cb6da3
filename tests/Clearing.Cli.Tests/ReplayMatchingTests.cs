using System.Text.Json.Nodes;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Matching.Application;
using Clearing.Primitives.Markets;

namespace Clearing.Cli.Tests;

/// <summary>
/// `clearing replay matching` time travel over book-BTC-PERP: the batches are stored the way matching stores them (its
/// own pipeline decides, BookStore appends), and the module replays them through the same engine.
/// </summary>
public sealed class ReplayMatchingTests : IAsyncLifetime
{
    private const string Stream = "book-BTC-PERP";
    private static readonly long T0 = ReplayModuleStore.T0.ToUnixTimeMilliseconds() * 1_000_000;

    private readonly ReplayModuleStore _store = new("matching");
    private readonly MatchingPipeline _pipeline = new(MarketCatalog.EmbeddedDefaults, new MatchingOptions());
    private long _version = -1;
    private int _commands;
    private long _rested;
    private long _filled;
    private DateTimeOffset _beforeFill;

    public async Task InitializeAsync()
    {
        _rested = await StoreAsync(
            Limit("mk-1", "m1", Side.Sell, "50000", "2"),
            Limit("mk-2", "m2", Side.Sell, "50100", "1"),
            Limit("bd-1", "b1", Side.Buy, "49900", "1"));
        _beforeFill = _store.Now;
        _filled = await StoreAsync(Limit("tk-1", "t1", Side.Buy, "50000", "1.5"));
        await StoreAsync(Cancel("bd-1", "b1"));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    /// <summary>One processing batch: the commands through matching's pipeline, its pending inputs appended by BookStore.</summary>
    private async Task<long> StoreAsync(params OrderCommand[] commands)
    {
        var output = new List<MatchingEvent>();
        foreach (var command in commands)
        {
            _pipeline.Apply(command, output);
        }
        _store.Clock.Advance(TimeSpan.FromMinutes(1));
        foreach (var batch in _pipeline.TakePending())
        {
            _version = await BookStore.AppendAsync(_store.Store, batch, _version, CancellationToken.None);
        }
        return _version;
    }

    private OrderCommand Limit(string account, string orderId, Side side, string price, string quantity) => new()
    {
        CommandId = $"cmd-{++_commands}", Market = "BTC-PERP", AccountId = account, TimeUnixNanos = T0 + _commands, Origin = Origin.Trader,
        Place = new PlaceOrder { OrderId = orderId, Side = side, Kind = OrderKind.Limit, Price = price, Quantity = quantity, TimeInForce = TimeInForce.Gtc },
    };

    private OrderCommand Cancel(string account, string orderId) => new()
    {
        CommandId = $"cmd-{++_commands}", Market = "BTC-PERP", AccountId = account, TimeUnixNanos = T0 + _commands, Origin = Origin.Trader,
        Cancel = new CancelOrder { OrderId = orderId },
    };

    private static JsonNode Order(JsonNode book, string orderId) =>
        book["orders"]!.AsArray().Single(o => o!["orderId"]!.GetValue<string>() == orderId)!;

    private static IEnumerable<(decimal Price, decimal Quantity, int Orders)> Levels(JsonNode book, string side) =>
        book[side]!.AsArray().Select(l => (ReplayModuleStore.Decimal(l!["price"]), ReplayModuleStore.Decimal(l["quantity"]), l["orders"]!.GetValue<int>()));

    [Fact]
    public async Task the_book_before_a_fill_has_the_makers_whole_order_and_after_it_only_the_rest()
    {
        var before = await _store.StateAsync(Stream, atVersion: _rested);
        var after = await _store.StateAsync(Stream, atVersion: _filled);

        Levels(before, "asks").ShouldBe([(50_000m, 2m, 1), (50_100m, 1m, 1)]);
        Levels(before, "bids").ShouldBe([(49_900m, 1m, 1)]);
        ReplayModuleStore.Decimal(Order(before, "m1")["remaining"]).ShouldBe(2m);
        Order(before, "m1")["accountId"]!.GetValue<string>().ShouldBe("mk-1");
        ReplayModuleStore.Decimal(before["bestAsk"]).ShouldBe(50_000m);
        before["ordersAgreeWithBook"]!.GetValue<bool>().ShouldBeTrue();

        Levels(after, "asks").ShouldBe([(50_000m, 0.5m, 1), (50_100m, 1m, 1)]);
        ReplayModuleStore.Decimal(Order(after, "m1")["remaining"]).ShouldBe(0.5m);
        after["orders"]!.AsArray().Select(o => o!["orderId"]!.GetValue<string>()).ShouldNotContain("t1");
        after["sequence"]!.GetValue<long>().ShouldBeGreaterThan(before["sequence"]!.GetValue<long>());
        after["ordersAgreeWithBook"]!.GetValue<bool>().ShouldBeTrue();
        after["stateHash"]!.GetValue<string>().ShouldNotBe(before["stateHash"]!.GetValue<string>());
    }

    [Fact]
    public async Task the_book_now_matches_the_live_engine_and_has_no_bid_after_the_cancel()
    {
        var now = await _store.StateAsync(Stream);

        now["bids"]!.AsArray().ShouldBeEmpty();
        now["bestBid"].ShouldBeNull();
        now["status"]!.GetValue<string>().ShouldBe("open");
        now["sequence"]!.GetValue<long>().ShouldBe(_pipeline.Book("BTC-PERP").Sequence);
        now["stateHash"]!.GetValue<string>().ShouldBe(_pipeline.Book("BTC-PERP").StateHash().ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task the_book_as_of_a_time_before_the_fill_still_has_the_whole_maker_order()
    {
        var book = await _store.StateAsync(Stream, atTime: _beforeFill);

        ReplayModuleStore.Decimal(Order(book, "m1")["remaining"]).ShouldBe(2m);
    }

    [Fact]
    public async Task a_book_of_a_market_outside_the_catalog_is_refused_with_the_markets_it_knows()
    {
        var batch = new BookInputBatch("DOGE-PERP", 1, 1, []);
        await _store.AppendAsync("book-DOGE-PERP", BookStreams.Serializer, batch);

        var (exit, _, error) = await _store.TimeTravelAsync("book-DOGE-PERP");

        exit.ShouldBe(2);
        error.ShouldContain("'DOGE-PERP' is not in the embedded market catalog");
        error.ShouldContain("BTC-PERP");
    }

    [Fact]
    public async Task a_stored_batch_the_engine_no_longer_reproduces_is_an_error_naming_the_book_and_its_sequences()
    {
        // A batch that claims one more event than its input gives: what a changed engine or configuration would show.
        var input = new BookInput(Order: OrderInput.From(Limit("mk-9", "m9", Side.Sell, "51000", "1")));
        await _store.AppendAsync("book-ETH-PERP", BookStreams.Serializer, new BookInputBatch("ETH-PERP", 1, 5, [input]));

        var (exit, _, error) = await _store.TimeTravelAsync("book-ETH-PERP");

        exit.ShouldBe(2);
        error.ShouldContain("cannot fold 'book-ETH-PERP' up to version 0");
        error.ShouldContain("the store says 5; the code no longer reproduces the stored book");
    }
}
