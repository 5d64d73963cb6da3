using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing.Sqlite;
using Clearing.Matching.Application;
using Clearing.Primitives.Markets;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Matching.Tests.Host;

[Collection(HostCollection.Name)]
public sealed class ProtectionTests : IAsyncLifetime
{
    private const string Perp = "BTC-PERP";
    private const string Future = "BTC-26MAR27";
    private const string Call = "BTC-26MAR27-100000-C";
    private const string Put = "BTC-26MAR27-100000-P";
    private const long Second = 1_000_000_000;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-matching-protection-tests", Guid.NewGuid().ToString("N"));
    private SqliteEventStore _store = null!;
    private int _ids;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static MatchingOptions Options(decimal quantityLimit = 1m, decimal deltaLimit = 0m) => new()
    {
        Protection =
        [
            new ProtectionRuleOptions
            {
                Account = "mm", Underlying = "BTC", Window = TimeSpan.FromSeconds(1), QuantityLimit = quantityLimit, DeltaLimit = deltaLimit,
                Cooldown = TimeSpan.FromSeconds(5),
            },
        ],
    };

    private static MatchingPipeline Pipeline(MatchingOptions options) => new(MarketCatalog.EmbeddedDefaults, options);

    private OrderCommand Quote(string market, string orderId, Side side, string price, string quantity, long time, bool mmp = true)
    {
        var command = HostOrders.Limit(market, "mm", orderId, side, price, quantity, time, commandId: $"q-{++_ids}");
        command.Place.Mmp = mmp;
        return command;
    }

    private OrderCommand Take(string market, Side side, string price, string quantity, long time) =>
        HostOrders.Limit(market, "taker", $"t-{++_ids}", side, price, quantity, time, tif: TimeInForce.Ioc, commandId: $"t-{_ids}");

    /// <summary>The market maker quotes both sides of the perpetual, the future and a call, plus ETH and one non-quote order.</summary>
    private List<OrderCommand> Quotes(long t) =>
    [
        Quote(Perp, "p-bid", Side.Buy, "49990", "1", t),
        Quote(Perp, "p-ask", Side.Sell, "50010", "1", t),
        Quote(Future, "f-bid", Side.Buy, "50090", "1", t),
        Quote(Future, "f-ask", Side.Sell, "50110", "1", t),
        Quote(Call, "c-ask", Side.Sell, "1500", "2", t),
        Quote("ETH-PERP", "e-ask", Side.Sell, "3010", "1", t),
        Quote(Perp, "p-plain", Side.Sell, "51000", "1", t, mmp: false),
    ];

    [Fact]
    public void fills_on_two_markets_of_an_underlying_that_together_cross_the_limit_cancel_the_quotes_on_every_market_of_it()
    {
        var pipeline = Pipeline(Options(quantityLimit: 1m));
        var t = HostOrders.T0;
        pipeline.Run([.. Quotes(t)]);

        pipeline.Run(Take(Perp, Side.Buy, "50010", "0.6", t + 100)).ShouldNotContain(e => e.ProtectionTriggered != null);
        var events = pipeline.Run(Take(Future, Side.Buy, "50110", "0.5", t + 200));

        var trips = events.Where(e => e.ProtectionTriggered != null).ToList();
        trips.Select(e => e.Market).ShouldBe(pipeline.Books.Values.Where(b => b.Definition.Underlying == "BTC").OrderBy(b => b.CatalogIndex).Select(b => b.Market));
        trips.ShouldAllBe(e => e.ProtectionTriggered.AccountId == "mm" && e.ProtectionTriggered.TriggerMarket == Future
            && e.ProtectionTriggered.FrozenUntilUnixNanos == t + 200 + 5 * Second);
        trips[0].ProtectionTriggered.Reason.ShouldBe("quantity 1.1 > 1 within 1000 ms");
        events.Where(e => e.Cancelled != null).Select(e => (e.Market, e.Cancelled.OrderId, e.Cancelled.Reason)).OrderBy(x => x.OrderId).ShouldBe(
        [
            (Call, "c-ask", "protection"), (Future, "f-ask", "protection"), (Future, "f-bid", "protection"),
            (Perp, "p-ask", "protection"), (Perp, "p-bid", "protection"),
        ]);
        pipeline.Book("ETH-PERP").Book().Asks.ShouldHaveSingleItem();
        pipeline.Book(Perp).Book().Asks.ShouldHaveSingleItem().Price.ShouldBe(102_000);
    }

    [Fact]
    public void during_the_cooldown_new_quotes_on_any_market_of_the_underlying_are_refused_and_plain_orders_are_not()
    {
        var pipeline = Pipeline(Options(quantityLimit: 1m));
        var t = HostOrders.T0;
        pipeline.Run([.. Quotes(t)]);
        pipeline.Run(Take(Perp, Side.Buy, "50010", "1", t + 100), Take(Future, Side.Buy, "50110", "0.5", t + 200));

        pipeline.Run(Quote(Put, "late-1", Side.Sell, "800", "1", t + Second)).ShouldHaveSingleItem()
            .Rejected.Reason.ShouldBe("market-maker-protection-frozen");
        pipeline.Run(Quote(Perp, "late-2", Side.Buy, "49000", "1", t + 4 * Second)).ShouldHaveSingleItem()
            .Rejected.Reason.ShouldBe("market-maker-protection-frozen");
        pipeline.Run(Quote(Perp, "plain", Side.Buy, "49000", "1", t + Second, mmp: false)).ShouldContain(e => e.Rested != null);
        pipeline.Run(Quote("ETH-PERP", "eth", Side.Buy, "2990", "1", t + Second)).ShouldContain(e => e.Rested != null);
        pipeline.Run(Quote(Put, "after", Side.Sell, "800", "1", t + 200 + 5 * Second)).ShouldContain(e => e.Rested != null);
    }

    [Fact]
    public void fills_further_apart_than_the_window_do_not_add_up()
    {
        var pipeline = Pipeline(Options(quantityLimit: 1m));
        var t = HostOrders.T0;
        pipeline.Run([.. Quotes(t)]);

        var events = pipeline.Run(Take(Perp, Side.Buy, "50010", "0.6", t + 100), Take(Future, Side.Buy, "50110", "0.5", t + 100 + Second));

        events.ShouldNotContain(e => e.ProtectionTriggered != null);
        events.Count(e => e.Fill != null).ShouldBe(2);
    }

    [Fact]
    public void options_count_with_a_conservative_delta_of_zero_to_one_per_contract_so_sold_calls_and_bought_puts_add_up()
    {
        var pipeline = Pipeline(Options(quantityLimit: 0m, deltaLimit: 1.5m));
        var t = HostOrders.T0;
        pipeline.Run(Quote(Call, "c-ask", Side.Sell, "1500", "2", t), Quote(Put, "p-bid", Side.Buy, "700", "2", t), Quote(Perp, "hedge", Side.Buy, "49990", "2", t));

        // Sold call: delta in [-1, 0]; the perpetual bid bought 1: [+1, +1] → net in [0, 1], |delta| at most 1: no trip.
        pipeline.Run(Take(Call, Side.Buy, "1500", "1", t + 10), Take(Perp, Side.Sell, "49990", "1", t + 20)).ShouldNotContain(e => e.ProtectionTriggered != null);
        // Two more sold calls and a bought put: net in [-3+1, 0+1] = [-2, 1], up to 2 > 1.5.
        var events = pipeline.Run(Take(Call, Side.Buy, "1500", "1", t + 30), Take(Put, Side.Sell, "700", "1", t + 40));

        events.Where(e => e.ProtectionTriggered != null).Select(e => e.ProtectionTriggered.Reason).Distinct().ShouldHaveSingleItem()
            .ShouldBe("|delta| up to 2 > 1.5 within 1000 ms");
    }

    [Fact]
    public async Task each_book_stream_replays_alone_to_the_same_protection_state_from_a_snapshot_or_from_the_start()
    {
        var options = Options(quantityLimit: 1m);
        var original = Pipeline(options);
        var versions = original.Books.Keys.ToDictionary(m => m, _ => -1L);
        var t = HostOrders.T0;
        var flow = new List<IMessage>();
        for (var round = 0; round < 6; round++)
        {
            var at = t + (round * 7 * Second);
            flow.AddRange(Quotes(at).Select(q => { q.Place.OrderId += $"-{round}"; return q; }));
            flow.Add(Take(Perp, Side.Buy, "50010", "0.7", at + 100));
            flow.Add(Take(Call, Side.Buy, "1500", "0.5", at + 200));
        }
        var chunks = flow.Chunk(5).ToList();
        for (var i = 0; i < chunks.Count; i++)
        {
            HostReplayTests.Run(original, chunks[i]);
            foreach (var batch in original.TakePending())
            {
                versions[batch.Market] = await BookStore.AppendAsync(_store, batch, versions[batch.Market], CancellationToken.None);
            }
            if (i == chunks.Count / 2)
            {
                foreach (var market in versions.Keys.Where(m => versions[m] >= 0))
                {
                    await BookStore.SaveSnapshotAsync(_store, original.Book(market), versions[market], CancellationToken.None);
                }
            }
        }
        original.Book(Put).LastTrip.ShouldBe(6);

        var full = Pipeline(options);
        var fromSnapshot = Pipeline(options);
        foreach (var market in full.Books.Keys.ToList())
        {
            await BookStore.ReplayAsync(_store, full, market, null, CancellationToken.None);
            (await BookStore.RestoreAsync(_store, fromSnapshot, market, long.MaxValue, NullLogger.Instance, null, CancellationToken.None))
                .SnapshotVersion.ShouldBeGreaterThanOrEqualTo(market.StartsWith("BTC", StringComparison.Ordinal) ? 0 : -1);
        }
        foreach (var market in original.Books.Keys)
        {
            full.Book(market).StateHash().ShouldBe(original.Book(market).StateHash(), market);
            fromSnapshot.Book(market).StateHash().ShouldBe(original.Book(market).StateHash(), market);
        }
        var next = Quotes(t + 100 * Second).Concat<IMessage>([Take(Perp, Side.Buy, "50010", "0.7", t + (100 * Second) + 1), Take(Future, Side.Buy, "50110", "0.7", t + (100 * Second) + 2)]).ToList();
        var expected = HostReplayTests.Wire(HostReplayTests.Run(original, next));
        expected.Count(w => w.Length > 0).ShouldBeGreaterThan(20);
        HostReplayTests.Wire(HostReplayTests.Run(full, next)).ShouldBe(expected);
        HostReplayTests.Wire(HostReplayTests.Run(fromSnapshot, next)).ShouldBe(expected);
    }

    [Fact]
    public async Task a_book_whose_append_was_lost_in_a_crash_gets_the_trip_other_books_stored_at_start_up()
    {
        var options = Options(quantityLimit: 1m);
        var original = Pipeline(options);
        var t = HostOrders.T0;
        original.Run([.. Quotes(t)]);
        foreach (var batch in original.TakePending())
        {
            await BookStore.AppendAsync(_store, batch, -1, CancellationToken.None);
        }
        original.Run(Take(Perp, Side.Buy, "50010", "0.6", t + 100), Take(Future, Side.Buy, "50110", "0.5", t + 200));
        // The process dies after the perpetual's append and before the call's (catalog order).
        foreach (var batch in original.TakePending().Where(b => b.Market != Call))
        {
            await BookStore.AppendAsync(_store, batch, await _store.GetStreamVersionAsync(BookStreams.For(batch.Market)), CancellationToken.None);
        }

        var restarted = Pipeline(options);
        foreach (var market in restarted.Books.Keys.ToList())
        {
            await BookStore.ReplayAsync(_store, restarted, market, null, CancellationToken.None);
        }
        restarted.Book(Call).LastTrip.ShouldBe(0);
        restarted.Book(Call).Book().Asks.ShouldHaveSingleItem();
        var output = new List<MatchingEvent>();
        restarted.ReconcileProtection(output);

        restarted.Book(Call).LastTrip.ShouldBe(1);
        restarted.Book(Call).Book().Asks.ShouldBeEmpty();
        output.Where(e => e.Market == Call).Select(e => e.ProtectionTriggered?.TriggerMarket ?? e.Cancelled?.Reason)
            .ShouldBe([Future, "protection"]);
        output.ShouldAllBe(e => e.Market == Call);
        restarted.TakePending().ShouldHaveSingleItem().Market.ShouldBe(Call);
    }

    [Fact]
    public void a_rule_for_an_underlying_no_market_trades_is_a_start_up_error_naming_it()
    {
        var options = new MatchingOptions { Protection = [new ProtectionRuleOptions { Account = "mm", Underlying = "SOL", QuantityLimit = 1 }] };

        Should.Throw<ArgumentException>(() => Pipeline(options)).Message.ShouldContain("Underlying 'SOL'");
    }
}
