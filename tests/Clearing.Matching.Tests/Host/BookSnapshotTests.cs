using System.Globalization;
using System.Text;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Matching.Application;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Clearing.Matching.Tests.Host;

[Collection(HostCollection.Name)]
public sealed class BookSnapshotTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-matching-snapshot-tests", Guid.NewGuid().ToString("N"));
    private readonly ListLogger _logger = new();
    private SqliteEventStore _store = null!;

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

    /// <summary>
    /// HostFlow plus stops, take-profits and good-till-time orders around the marks it sets, so the books carry pending
    /// conditional orders and an expiry heap when the snapshot is taken.
    /// </summary>
    internal static List<IMessage> RichFlow(int seed, int count)
    {
        var random = new Random(seed);
        var flow = new List<IMessage>();
        var i = 0;
        foreach (var message in HostFlow.Generate(seed, count, withPrices: true))
        {
            flow.Add(message);
            if (message is not OrderCommand command || random.Next(5) != 0)
            {
                continue;
            }
            var (market, mid, tick, lot) = command.Market == "BTC-PERP" ? ("BTC-PERP", 50_000m, 0.5m, 0.001m) : ("ETH-PERP", 3_000m, 0.05m, 0.01m);
            var account = $"acct-{random.Next(20)}";
            var time = command.TimeUnixNanos;
            var side = random.Next(2) == 0 ? Side.Buy : Side.Sell;
            var kind = (OrderKind)(3 + random.Next(3));
            var place = new PlaceOrder
            {
                OrderId = $"x{seed}-{i++}", Side = side, Kind = kind, Quantity = Text(lot * (1 + random.Next(10))),
                TriggerPrice = Text(mid + (random.Next(41) - 20) * tick),
                TimeInForce = random.Next(3) == 0 ? TimeInForce.Gtt : TimeInForce.Gtc,
            };
            if (kind != OrderKind.StopMarket && random.Next(2) == 0)
            {
                place.Price = Text(mid + (random.Next(41) - 20) * tick);
            }
            if (kind == OrderKind.StopLimit && place.Price.Length == 0)
            {
                place.Price = Text(mid);
            }
            if (place.TimeInForce == TimeInForce.Gtt)
            {
                place.ExpireAtUnixNanos = time + 50_000 + random.Next(2_000_000);
            }
            flow.Add(new OrderCommand { CommandId = $"x{seed}-c{i}", Market = market, AccountId = account, TimeUnixNanos = time + 1, Place = place });
            if (random.Next(3) == 0)
            {
                // A resting good-till-time limit, so expiries fire on both sides of the snapshot.
                flow.Add(new OrderCommand
                {
                    CommandId = $"x{seed}-g{i}", Market = market, AccountId = account, TimeUnixNanos = time + 2,
                    Place = new PlaceOrder
                    {
                        OrderId = $"g{seed}-{i}", Side = side, Kind = OrderKind.Limit, Quantity = Text(lot), TimeInForce = TimeInForce.Gtt,
                        Price = Text(side == Side.Buy ? mid - (5 + random.Next(10)) * tick : mid + (5 + random.Next(10)) * tick),
                        ExpireAtUnixNanos = time + 100_000 + random.Next(3_000_000),
                    },
                });
            }
        }
        return flow;
    }

    private async Task<(MatchingPipeline Pipeline, Dictionary<string, long> Versions)> StoreAsync(IEnumerable<IMessage> flow, int snapshotAfterChunk)
    {
        var pipeline = HostOrders.Pipeline();
        var versions = pipeline.Books.Keys.ToDictionary(m => m, _ => -1L);
        var chunk = 0;
        foreach (var part in flow.Chunk(101))
        {
            HostReplayTests.Run(pipeline, part);
            foreach (var batch in pipeline.TakePending())
            {
                versions[batch.Market] = await BookStore.AppendAsync(_store, batch, versions[batch.Market], CancellationToken.None);
            }
            if (++chunk == snapshotAfterChunk)
            {
                foreach (var market in pipeline.Books.Keys.Where(m => versions[m] >= 0))
                {
                    await BookStore.SaveSnapshotAsync(_store, pipeline.Book(market), versions[market], CancellationToken.None);
                }
            }
        }
        return (pipeline, versions);
    }

    private async Task<(MatchingPipeline Pipeline, List<MatchingEvent> Replayed, Dictionary<string, long> SnapshotVersions)> RestoreAsync(long published = long.MaxValue)
    {
        var pipeline = HostOrders.Pipeline();
        var replayed = new List<MatchingEvent>();
        var snapshotVersions = new Dictionary<string, long>();
        foreach (var market in pipeline.Books.Keys.ToList())
        {
            var (_, snapshotVersion) = await BookStore.RestoreAsync(_store, pipeline, market, published, _logger, (_, events) => replayed.AddRange(events), CancellationToken.None);
            snapshotVersions[market] = snapshotVersion;
        }
        return (pipeline, replayed, snapshotVersions);
    }

    private async Task<MatchingPipeline> FullReplayAsync()
    {
        var pipeline = HostOrders.Pipeline();
        foreach (var market in pipeline.Books.Keys.ToList())
        {
            await BookStore.ReplayAsync(_store, pipeline, market, null, CancellationToken.None);
        }
        return pipeline;
    }

    private static void ShouldBeTheSameBooks(MatchingPipeline actual, MatchingPipeline expected)
    {
        foreach (var market in expected.Books.Keys)
        {
            actual.Book(market).StateHash().ShouldBe(expected.Book(market).StateHash(), market);
            actual.Book(market).Sequence.ShouldBe(expected.Book(market).Sequence, market);
            actual.Book(market).Book().ShouldBeEquivalentTo(expected.Book(market).Book());
        }
    }

    [Fact]
    public async Task a_restart_from_the_latest_snapshot_and_the_stream_tail_equals_a_full_replay_and_continues_identically()
    {
        var flow = RichFlow(seed: 21, count: 6_000);
        var (stored, rest) = (flow.Take(flow.Count * 2 / 3).ToList(), flow.Skip(flow.Count * 2 / 3).ToList());
        var (original, _) = await StoreAsync(stored, snapshotAfterChunk: 30);
        original.Book("BTC-PERP").Book().Conditionals.ShouldNotBeEmpty();

        var (fromSnapshot, tailEvents, snapshotVersions) = await RestoreAsync();
        var fullReplay = await FullReplayAsync();

        snapshotVersions["BTC-PERP"].ShouldBeGreaterThan(0);
        snapshotVersions["ETH-PERP"].ShouldBeGreaterThan(0);
        tailEvents.ShouldNotBeEmpty();
        tailEvents.Min(e => e.Sequence).ShouldBeGreaterThan(1);
        ShouldBeTheSameBooks(fromSnapshot, fullReplay);
        ShouldBeTheSameBooks(fromSnapshot, original);
        _logger.Warnings.ShouldBeEmpty();

        var continued = HostReplayTests.Wire(HostReplayTests.Run(fromSnapshot, rest));
        continued.ShouldBe(HostReplayTests.Wire(HostReplayTests.Run(fullReplay, rest)));
        continued.ShouldBe(HostReplayTests.Wire(HostReplayTests.Run(original, rest)));
        continued.Count.ShouldBeGreaterThan(1_000);
    }

    [Fact]
    public async Task a_damaged_snapshot_is_refused_with_a_warning_and_the_stream_is_replayed_in_full()
    {
        var (original, versions) = await StoreAsync(RichFlow(seed: 22, count: 2_000), snapshotAfterChunk: 10);
        var stream = BookStreams.For("BTC-PERP");
        var good = (await _store.Snapshots.LoadAsync(stream))!;
        var bytes = Convert.FromBase64String(Encoding.ASCII.GetString(good.Data.Span));
        bytes[bytes.Length / 2] ^= 0x40;
        await _store.Snapshots.SaveAsync(good with { StreamVersion = good.StreamVersion + 1, Data = Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes)) });

        var (restored, _, snapshotVersions) = await RestoreAsync();

        snapshotVersions["BTC-PERP"].ShouldBe(-1);
        snapshotVersions["ETH-PERP"].ShouldBeGreaterThan(0);
        _logger.Warnings.ShouldHaveSingleItem().ShouldContain("checksum mismatch");
        ShouldBeTheSameBooks(restored, original);
        versions["BTC-PERP"].ShouldBeGreaterThan(good.StreamVersion);
    }

    [Theory]
    [InlineData("matching.book-snapshot", MarketBook.SnapshotFormatVersion + 1, "this build reads")]
    [InlineData("book.snapshot.v1", MarketBook.SnapshotFormatVersion, "ignoring snapshot of type")]
    public async Task a_snapshot_of_an_unknown_type_or_version_is_refused_with_a_warning_and_the_stream_is_replayed_in_full(string type, int version, string warning)
    {
        var (original, _) = await StoreAsync(RichFlow(seed: 23, count: 2_000), snapshotAfterChunk: 10);
        var stream = BookStreams.For("ETH-PERP");
        var good = (await _store.Snapshots.LoadAsync(stream))!;
        await _store.Snapshots.SaveAsync(good with { StreamVersion = good.StreamVersion + 1, Type = type, SchemaVersion = version });

        var (restored, _, snapshotVersions) = await RestoreAsync();

        snapshotVersions["ETH-PERP"].ShouldBe(-1);
        _logger.Warnings.ShouldHaveSingleItem().ShouldContain(warning);
        ShouldBeTheSameBooks(restored, original);
    }

    [Fact]
    public async Task a_snapshot_past_the_last_published_sequence_is_not_used_so_the_events_between_are_regenerated()
    {
        var (original, _) = await StoreAsync(RichFlow(seed: 24, count: 2_000), snapshotAfterChunk: 15);

        var (restored, replayed, snapshotVersions) = await RestoreAsync(published: 10);

        // The perpetuals are past sequence 10 at their snapshot; the option books (oracle clock ticks only) are not, and may use theirs.
        snapshotVersions["BTC-PERP"].ShouldBe(-1);
        snapshotVersions["ETH-PERP"].ShouldBe(-1);
        replayed.Where(e => e.Market == "BTC-PERP").Min(e => e.Sequence).ShouldBe(1);
        _logger.Warnings.ShouldContain(w => w.Contains("ahead of the last published sequence"));
        ShouldBeTheSameBooks(restored, original);
    }

    [Fact]
    public void a_snapshot_taken_under_other_fee_rates_is_refused_naming_both_settings()
    {
        var pipeline = HostOrders.Pipeline();
        HostReplayTests.Run(pipeline, RichFlow(seed: 25, count: 300));
        var bytes = pipeline.Book("BTC-PERP").SaveSnapshot();
        var market = pipeline.Catalog.Get("BTC-PERP") with { TakerFee = 0.0009m };

        Should.Throw<InvalidDataException>(() => MarketBook.RestoreSnapshot(market, 0, BookSettings.For(new Clearing.Primitives.Markets.MarketCatalog([market]), new MatchingOptions()), bytes))
            .Message.ShouldContain("taken under other settings");
    }

    private static string Text(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    private sealed class ListLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception) + (exception is null ? "" : " " + exception.Message));
            }
        }
    }
}
