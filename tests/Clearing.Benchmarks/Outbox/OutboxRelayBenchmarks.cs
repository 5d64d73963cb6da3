using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Clearing.Benchmarks.Kafka;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Benchmarks.Outbox;

/// <summary>
/// Outbox relay throughput, store → Kafka, on the embedded broker (librdkafka mock cluster, 3 brokers, 4 partitions)
/// and a SQLite store holding 50,000 public events over 256 account streams.
/// Baseline: the same 50,000 messages, already translated and stamped, produced straight through the relay's producer and
/// flushed (what the relay would cost if reading the store, translating and checkpointing were free). Relay runs read
/// from checkpoint 0 until caught up, page by page (produce the page, wait for every report, store offsets and
/// checkpoint). ReadAndTranslate is the relay's store side alone, without Kafka.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*OutboxRelay*'
/// Each op is one event: events/s = 1e9 / ns (the "msg/s" column).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class OutboxRelayBenchmarks
{
    private const int Events = 50_000;
    private const int Accounts = 256;
    private const string Topic = "bench.outbox.relay";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-outbox-bench", Guid.NewGuid().ToString("N"));
    private EmbeddedKafkaBroker _broker = null!;
    private SqliteEventStore _store = null!;
    private KafkaPublisher _publisher = null!;
    private KafkaOutboxWatermarks _watermarks = null!;
    private BenchTranslator _translator = null!;
    private OutboundMessage[] _translated = null!;

    [GlobalSetup]
    public void Setup()
    {
        _broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Topics = [Topic], Partitions = 4 });
        var connection = KafkaConnection.ForBootstrap(_broker.BootstrapServers, KafkaBrokerMode.EmbeddedInProcess);
        var options = new KafkaOptions { BootstrapServers = _broker.BootstrapServers, ServiceName = "bench" };
        // The producer an OutboxRelayService would build (no delivery timeout), for the baseline and the relay alike.
        _publisher = OutboxProducer.Create(connection, options, new OutboxRelayOptions { Name = "bench" }, TimeProvider.System, NullLoggerFactory.Instance);
        _watermarks = new KafkaOutboxWatermarks(connection, options, "bench");
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        _translator = new BenchTranslator();

        // One event per append would take minutes to build; 100 per stream append keeps setup short.
        var payload = new string('x', 60);
        for (var batch = 0; batch < Events / 100; batch++)
        {
            var account = batch % Accounts;
            var events = Enumerable.Range(0, 100)
                .Select(i => new EventData(Guid.NewGuid(), "bench.credited.v1", 1, Encoding.UTF8.GetBytes($"{{\"account\":{account},\"n\":{i},\"memo\":\"{payload}\"}}")))
                .ToArray();
            _store.AppendAsync($"account-{account}", ExpectedVersion.Any, events).GetAwaiter().GetResult();
        }

        _translated = ReadAll().Select(e => OutboxMessages.Stamp(_translator.Translate(e)!, e)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _publisher.Dispose();
        _watermarks.Dispose();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _broker.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public int RawPublish()
    {
        foreach (var message in _translated)
        {
            while (true)
            {
                try
                {
                    _publisher.Publish(message);
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    Thread.Sleep(1);
                }
            }
        }

        return _publisher.Flush(TimeSpan.FromMinutes(1));
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public Task<long> Relay_Page500() => RelayFromStartAsync(500);

    [Benchmark(OperationsPerInvoke = Events)]
    public Task<long> Relay_Page2000() => RelayFromStartAsync(2000);

    [Benchmark(OperationsPerInvoke = Events)]
    public Task<long> Relay_Page5000() => RelayFromStartAsync(5000);

    [Benchmark(OperationsPerInvoke = Events)]
    public int ReadAndTranslate()
    {
        var count = 0;
        foreach (var e in ReadAll())
        {
            if (_translator.Translate(e) is not null)
            {
                count++;
            }
        }

        return count;
    }

    private async Task<long> RelayFromStartAsync(int pageSize)
    {
        var name = $"bench-{pageSize}";
        await _store.Checkpoints.SaveAsync($"outbox-{name}", 0);
        var relay = new OutboxRelay(_store, _translator, _publisher, _watermarks, new OutboxRelayOptions { Name = name, PageSize = pageSize });
        while (!(await relay.PublishNextPageAsync()).CaughtUp)
        {
        }

        return relay.PublishedCount == Events ? relay.Checkpoint : throw new InvalidOperationException($"Published {relay.PublishedCount} of {Events}.");
    }

    private List<RecordedEvent> ReadAll()
    {
        var all = new List<RecordedEvent>(Events);
        var enumerator = _store.ReadAllAsync(1, int.MaxValue).GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                all.Add(enumerator.Current);
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return all;
    }

    /// <summary>Every event is public; the payload is the stored JSON, as a translator that only re-keys would send.</summary>
    private sealed class BenchTranslator : IOutboxTranslator
    {
        public IReadOnlyCollection<string> Topics { get; } = [Topic];

        public OutboundMessage? Translate(RecordedEvent recorded) =>
            OutboxMessages.For(recorded, Topic, recorded.StreamId, "clearing.bench.credited.v1", recorded.Data.ToArray(), "application/json");
    }
}
