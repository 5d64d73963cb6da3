using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing.Sqlite;
using Clearing.Matching.Application;
using Clearing.Matching.Integration;
using Clearing.Messaging.Kafka;
using Google.Protobuf;

namespace Clearing.Matching.Tests.Host;

[Collection(HostCollection.Name)]
public sealed class HostReplayTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-matching-host-tests", Guid.NewGuid().ToString("N"));
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

    [Fact]
    public void the_same_command_log_gives_byte_identical_kafka_messages_and_the_same_state_hash()
    {
        var flow = HostFlow.Generate(seed: 7, count: 5_000, withPrices: true);

        var first = Wire(Run(HostOrders.Pipeline(), flow));
        var secondPipeline = HostOrders.Pipeline();
        var second = Wire(Run(secondPipeline, flow));

        first.Count.ShouldBeGreaterThan(5_000);
        second.ShouldBe(first);
        var firstPipeline = HostOrders.Pipeline();
        Run(firstPipeline, flow);
        foreach (var market in firstPipeline.Books.Keys)
        {
            secondPipeline.Book(market).StateHash().ShouldBe(firstPipeline.Book(market).StateHash(), market);
        }
    }

    [Fact]
    public void the_flow_exercises_fills_cancels_rejections_and_skips_repeated_commands()
    {
        var pipeline = HostOrders.Pipeline();
        var events = Run(pipeline, HostFlow.Generate(seed: 7, count: 5_000, withPrices: true));

        events.Count(e => e.Fill is not null).ShouldBeGreaterThan(200);
        events.Count(e => e.Cancelled is not null).ShouldBeGreaterThan(100);
        events.Where(e => e.Rejected is not null).Select(e => e.Rejected.Reason).Distinct()
            .ShouldBeSubsetOf(["off-tick", "unknown-order", "not-resting", "duplicate-order-id", "post-only-would-cross", "price-outside-band",
                "circuit-breaker", "reduce-only-no-position", "not-owner"]);
        events.ShouldContain(e => e.Rejected != null && e.Rejected.Reason == "off-tick");
        foreach (var market in pipeline.Books.Keys)
        {
            events.Where(e => e.Market == market).Select(e => e.Sequence).ShouldBe(
                Enumerable.Range(1, events.Count(e => e.Market == market)).Select(i => (long)i), market);
        }
    }

    [Fact]
    public async Task a_restart_from_the_book_streams_restores_the_exact_books_and_continues_identically()
    {
        var flow = HostFlow.Generate(seed: 11, count: 6_000, withPrices: true);
        var (firstHalf, secondHalf) = (flow.Take(4_000).ToList(), flow.Skip(4_000).ToList());
        var original = HostOrders.Pipeline();
        var versions = original.Books.Keys.ToDictionary(m => m, _ => -1L);
        var published = new List<MatchingEvent>();
        foreach (var chunk in firstHalf.Chunk(97))
        {
            published.AddRange(Run(original, chunk));
            foreach (var batch in original.TakePending())
            {
                versions[batch.Market] = await BookStore.AppendAsync(_store, batch, versions[batch.Market], CancellationToken.None);
            }
        }

        var restarted = HostOrders.Pipeline();
        var replayed = new List<MatchingEvent>();
        foreach (var market in restarted.Books.Keys)
        {
            var version = await BookStore.ReplayAsync(_store, restarted, market, (_, events) => replayed.AddRange(events), CancellationToken.None);
            version.ShouldBe(versions[market]);
        }

        foreach (var market in original.Books.Keys)
        {
            restarted.Book(market).StateHash().ShouldBe(original.Book(market).StateHash(), market);
            restarted.Book(market).Sequence.ShouldBe(original.Book(market).Sequence);
            restarted.Book(market).Book().ShouldBeEquivalentTo(original.Book(market).Book());
        }
        Wire(replayed.OrderBy(e => e.Market, StringComparer.Ordinal).ThenBy(e => e.Sequence))
            .ShouldBe(Wire(published.Where(e => e.Sequence > 0).OrderBy(e => e.Market, StringComparer.Ordinal).ThenBy(e => e.Sequence)));
        Wire(Run(restarted, secondHalf)).ShouldBe(Wire(Run(original, secondHalf)));
    }

    [Fact]
    public async Task a_second_writer_of_a_book_stream_is_refused_by_the_expected_version()
    {
        var pipeline = HostOrders.Pipeline();
        Run(pipeline, [HostOrders.Limit("BTC-PERP", "a1", "o1", Side.Buy, "50000", "0.1")]);
        var batch = pipeline.TakePending().ShouldHaveSingleItem();
        await BookStore.AppendAsync(_store, batch, -1, CancellationToken.None);

        await Should.ThrowAsync<Clearing.EventSourcing.WrongExpectedVersionException>(
            () => BookStore.AppendAsync(_store, batch with { FirstSequence = 3, LastSequence = 4 }, -1, CancellationToken.None));
    }

    internal static List<MatchingEvent> Run(MatchingPipeline pipeline, IEnumerable<IMessage> flow)
    {
        var output = new List<MatchingEvent>();
        foreach (var message in flow)
        {
            switch (message)
            {
                case OrderCommand command:
                    pipeline.Apply(command, output);
                    break;
                case PriceUpdate update:
                    pipeline.Apply(update, output);
                    break;
            }
        }
        return output;
    }

    /// <summary>What goes on the wire for each event: key, value and every header, as bytes.</summary>
    internal static List<string> Wire(IEnumerable<MatchingEvent> events) =>
        events.Select(e =>
        {
            var message = CloudEventsEnvelope.ToKafkaMessage(MatchingEventsGateway.ToOutbound(e), "/clearing/matching", DateTimeOffset.UnixEpoch);
            var headers = string.Join(";", message.Headers.Select(h => $"{h.Key}={Convert.ToHexString(h.GetValueBytes())}"));
            return $"{Convert.ToHexString(message.Key!)}|{Convert.ToHexString(message.Value!)}|{headers}";
        }).ToList();
}
