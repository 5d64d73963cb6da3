using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;

namespace Clearing.Messaging.Tests.Outbox;

/// <summary>A stored event the tests publish (its public form is <see cref="CreditContract"/>).</summary>
[EventType("test.outbox.credited.v1")]
public sealed record Credited(string Account, decimal Amount);

/// <summary>A stored event that stays private.</summary>
[EventType("test.outbox.noted.v1")]
public sealed record Noted(string Account, string Text);

/// <summary>The public contract of <see cref="Credited"/> (JSON here so failures read well).</summary>
public sealed record CreditContract(string Account, decimal Amount);

/// <summary>Credits are public on one topic, keyed by account; notes are private.</summary>
public sealed class CreditTranslator(string topic) : IOutboxTranslator
{
    public const string PublicType = "clearing.test.credited.v1";

    public IReadOnlyCollection<string> Topics { get; } = [topic];

    public OutboundMessage? Translate(RecordedEvent recorded) => OutboxTestSupport.Serializer.Deserialize(recorded) switch
    {
        Credited c => OutboxMessages.For(recorded, topic, c.Account, PublicType, JsonSerializer.SerializeToUtf8Bytes(new CreditContract(c.Account, c.Amount)), "application/json"),
        _ => null,
    };
}

/// <summary>A temporary SQLite store, deleted on dispose.</summary>
public sealed class TempStore : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-outbox-tests", Guid.NewGuid().ToString("N"));

    public TempStore() => Store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));

    public SqliteEventStore Store { get; }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A reader still closing its handle leaves a temp file behind; the OS temp cleanup takes it.
        }
    }
}

internal static class OutboxTestSupport
{
    public static readonly EventSerializer Serializer = new(
        new EventTypeMap().Register<Credited>().Register<Noted>(),
        new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// Appends <paramref name="count"/> events round-robin over <paramref name="accounts"/> accounts; every fourth is a
    /// private note. Amounts are distinct cents so a double-applied or missing credit changes a balance.
    /// </summary>
    public static async Task AppendAsync(IEventStore store, int count, int accounts = 6, int start = 0, Guid? correlation = null)
    {
        for (var i = start; i < start + count; i++)
        {
            var account = $"a{i % accounts}";
            object e = i % 4 == 3 ? new Noted(account, $"note {i}") : new Credited(account, 1m + (i * 0.01m));
            await store.AppendAsync($"account-{account}", ExpectedVersion.Any, [Serializer.Serialize(e, correlation, causationId: correlation is null ? null : Guid.NewGuid())]);
        }
    }

    public static async Task<List<RecordedEvent>> ReadAllAsync(IEventStore store)
    {
        var all = new List<RecordedEvent>();
        await foreach (var e in store.ReadAllAsync(1, int.MaxValue))
        {
            all.Add(e);
        }

        return all;
    }

    public static bool IsPublic(RecordedEvent e) => e.Type == "test.outbox.credited.v1";

    public static OutboxRelayOptions Options(string name, int pageSize = 50) => new()
    {
        Name = name,
        PageSize = pageSize,
        IdleWait = TimeSpan.FromMilliseconds(50),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
        WipeCheckInterval = TimeSpan.FromMilliseconds(500),
        SlowDeliveryWarning = TimeSpan.FromSeconds(2),
    };

    /// <summary>Kafka options for a test service on <paramref name="bootstrap"/>, with fast reconnects for the fault tests.</summary>
    public static KafkaOptions Kafka(string bootstrap, string serviceName) => new()
    {
        BootstrapServers = bootstrap,
        ServiceName = serviceName,
        MirrorTransactionalOffsets = true,
        GroupProtocol = "consumer",
        CommitInterval = TimeSpan.FromMilliseconds(50),
        Retry = new KafkaRetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
        Properties = new Dictionary<string, string>
        {
            ["reconnect.backoff.ms"] = "50",
            ["reconnect.backoff.max.ms"] = "250",
            ["topic.metadata.refresh.interval.ms"] = "1000",
        },
    };

    /// <summary>Reads a topic from the start outside any group until <paramref name="expected"/> records arrived and then a quiet moment passed.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadTopic(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var records = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + TestSupport.Patience;
        while (records.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record)
            {
                records.Add(record);
            }
        }

        var quietUntil = DateTime.UtcNow + TimeSpan.FromMilliseconds(400);
        while (DateTime.UtcNow < quietUntil)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        return records;
    }

    /// <summary>(source stream, sequence) of a record, from its envelope.</summary>
    public static (string Stream, long Sequence) Source(ConsumeResult<byte[]?, byte[]?> record)
    {
        var metadata = CloudEventsEnvelope.Read(record);
        return (metadata.SourceStream, metadata.SourceSequence);
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TestSupport.Patience);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(25);
        }
    }

    public static string Utf8(byte[]? bytes) => bytes is null ? string.Empty : Encoding.UTF8.GetString(bytes);
}

/// <summary>
/// A publisher that acknowledges on a thread of its own (as librdkafka does) and assigns offsets per partition,
/// with faults on demand: fail chosen deliveries, report a fatal error, or restart its offsets as a wiped broker would.
/// </summary>
internal sealed class FakePublisher : IKafkaPublisher
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TopicPartition, long> _nextOffset = [];
    private readonly int _partitions;

    public FakePublisher(int partitions = 3) => _partitions = partitions;

    public ConcurrentQueue<OutboundMessage> Attempts { get; } = new();

    /// <summary>Deliveries still to fail (counted per message, oldest first), and with which error.</summary>
    public int FailNext { get; set; }

    public ErrorCode FailWith { get; set; } = ErrorCode.Local_MsgTimedOut;

    public bool FatalFailures { get; set; }

    public Handle Handle => throw new InvalidOperationException("The fake publisher has no librdkafka handle.");

    /// <summary>Forget every offset, as a broker that lost its logs would.</summary>
    public void Wipe()
    {
        lock (_gate)
        {
            _nextOffset.Clear();
        }
    }

    public long HighWatermark(string topic, int partition)
    {
        lock (_gate)
        {
            return _nextOffset.GetValueOrDefault(new TopicPartition(topic, partition));
        }
    }

    public void Publish(OutboundMessage message, Action<DeliveryReport<byte[]?, byte[]?>>? onDelivered = null)
    {
        Attempts.Enqueue(message);
        DeliveryReport<byte[]?, byte[]?> report;
        lock (_gate)
        {
            var tp = new TopicPartition(message.Topic, (int)((uint)StringComparer.Ordinal.GetHashCode(message.Key) % (uint)_partitions));
            if (FailNext > 0)
            {
                FailNext--;
                report = new DeliveryReport<byte[]?, byte[]?>
                {
                    Error = new Error(FailWith, "injected", FatalFailures),
                    Status = PersistenceStatus.NotPersisted,
                    TopicPartitionOffset = new TopicPartitionOffset(tp, Offset.Unset),
                };
            }
            else
            {
                var offset = _nextOffset.GetValueOrDefault(tp);
                _nextOffset[tp] = offset + 1;
                report = new DeliveryReport<byte[]?, byte[]?>
                {
                    Error = new Error(ErrorCode.NoError),
                    Status = PersistenceStatus.Persisted,
                    TopicPartitionOffset = new TopicPartitionOffset(tp, offset),
                };
            }
        }

        if (onDelivered is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => onDelivered(report), null);
        }
    }

    public Task<DeliveryResult<byte[]?, byte[]?>> PublishAsync(OutboundMessage message, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<DeliveryResult<byte[]?, byte[]?>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Publish(message, report => done.TrySetResult(report));
        return done.Task;
    }

    public Task<DeliveryResult<byte[]?, byte[]?>> PublishRawAsync(string topic, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("The outbox relay never publishes raw records.");

    public int Flush(TimeSpan timeout) => 0;
}

/// <summary>High watermarks taken from a <see cref="FakePublisher"/>, or an unreachable broker.</summary>
internal sealed class FakeWatermarks(FakePublisher publisher, int partitions = 3) : IOutboxWatermarks
{
    public bool Unreachable { get; set; }

    public Task<IReadOnlyDictionary<int, long>> GetHighWatermarksAsync(string topic, CancellationToken cancellationToken)
    {
        if (Unreachable)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Transport, "all brokers are down"));
        }

        IReadOnlyDictionary<int, long> highs = Enumerable.Range(0, partitions).ToDictionary(p => p, p => publisher.HighWatermark(topic, p));
        return Task.FromResult(highs);
    }
}

/// <summary>Checkpoints that fail the n-th save of one name: the process "dies" after the page's acks and before its checkpoint.</summary>
internal sealed class CrashingCheckpoints(ICheckpointStore inner, string name, int failOnSave) : ICheckpointStore
{
    private int _saves;

    public Task<long?> LoadAsync(string checkpointName, CancellationToken cancellationToken = default) => inner.LoadAsync(checkpointName, cancellationToken);

    public Task SaveAsync(string checkpointName, long position, CancellationToken cancellationToken = default)
    {
        if (checkpointName == name && Interlocked.Increment(ref _saves) == failOnSave)
        {
            throw new IOException($"simulated crash before checkpoint {checkpointName} = {position} was written");
        }

        return inner.SaveAsync(checkpointName, position, cancellationToken);
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    private long _ticks = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero).UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
}
