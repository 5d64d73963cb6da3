using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing;
using Clearing.Matching.Integration;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Primitives.Markets;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Clearing.Matching.Application;

/// <summary>
/// The matching hot path: consume order commands and oracle prices, run the books, store the inputs, publish the
/// events — exactly once end to end.
/// <para>
/// Per batch: (1) apply every input to its book; (2) append each touched book's applied inputs to "book-{market}"
/// with the exact expected version (a second writer fails here, before publishing anything); (3) one Kafka
/// transaction (transactional.id matching-{ordinal}) produces the events; (4) the consumed offsets are stored, and the
/// consumer commits them in the background. The store is written first, so it is never behind the topic, and an offset
/// is committed only after its input is in the store and its events are committed on the topic. On start-up: fence the previous instance
/// (InitTransactions), read the last sequence per market visible on the topic, rebuild each book by replaying its
/// stream, publish the stored events above that sequence, then consume from the committed offsets. Inputs consumed
/// again because their offsets were not committed are recognised (command id, oracle sequence, halt version) and
/// skipped; their events were just republished from the store. Offsets are thus only a hint of where to read, and
/// a failed transaction is repaired the same way: abort, re-read what is visible, publish the rest.
/// </para>
/// <para>
/// Governance's market parameters (default-tier fees, price band, halt) come from the service's stored copy of the
/// registry (<see cref="MatchingParametersGateway"/>), folded before the books are rebuilt; the pipeline stores each
/// version it applies as a book input right before the first input at or after its effective time.
/// </para>
/// <para>
/// Books are snapshotted after a committed transaction every <see cref="MatchingOptions.SnapshotEveryInputs"/> stored
/// inputs or <see cref="MatchingOptions.SnapshotInterval"/>; start-up restores the latest usable snapshot and replays
/// only the stream's tail (<see cref="BookStore.RestoreAsync"/>).
/// </para>
/// </summary>
public sealed class MatchingProcessor(
    MarketCatalog catalog,
    IOptions<MatchingOptions> matchingOptions,
    IEventStore store,
    KafkaConnection connection,
    IOptions<KafkaOptions> kafkaOptions,
    MarketHalts halts,
    HaltFeed haltFeed,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<MatchingProcessor> logger,
    MatchingParametersGateway? governance = null,
    KafkaConsumerGaps? gaps = null) : BackgroundService
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(200);

    /// <summary>How often the consumer commits the stored offsets: a restart reads again at most about this much input, which the books skip.</summary>
    public const int OffsetCommitIntervalMs = 200;

    /// <summary>
    /// fetch.wait.max.ms of the input consumer unless Kafka:FetchWaitMaxMs says otherwise. The embedded broker answers a
    /// fetch that finds nothing only after this wait, even when records arrive meanwhile, so it is a uniform 0..wait delay
    /// on every lone command; a real broker answers as soon as records arrive, and the wait only paces idle fetches.
    /// </summary>
    public const int InputFetchWaitMs = 2;

    private readonly MatchingOptions _options = matchingOptions.Value;
    private readonly KafkaOptions _kafka = kafkaOptions.Value;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, long> _streamVersions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SnapshotClock> _snapshots = new(StringComparer.Ordinal);
    private readonly List<MatchingEvent> _events = [];
    private readonly List<Message<byte[]?, byte[]?>> _deadLetters = [];
    private readonly Dictionary<TopicPartition, long> _nextOffsets = [];
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _batch = [];
    private MatchingPipeline? _pipeline;
    private long _processed;
    private long _transactions;
    private long _republished;
    private long _snapshotsTaken;

    public string TransactionalId => $"matching-{_kafka.InstanceOrdinal}";

    /// <summary>Completes once the books are rebuilt and unpublished events are out: the processor is consuming.</summary>
    public Task Ready => _ready.Task;

    public long ProcessedInputs => Interlocked.Read(ref _processed);

    public long CommittedTransactions => Interlocked.Read(ref _transactions);

    /// <summary>Stored events published again at start-up or after a failed transaction.</summary>
    public long RepublishedEvents => Interlocked.Read(ref _republished);

    /// <summary>Book snapshots written since start-up.</summary>
    public long SnapshotsTaken => Interlocked.Read(ref _snapshotsTaken);

    /// <summary>The books (for inspection by tests; only the processor's thread changes them).</summary>
    public MatchingPipeline? Pipeline => _pipeline;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => RunAsync(stoppingToken), CancellationToken.None);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunCoreAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _ready.TrySetCanceled(stoppingToken);
        }
        catch (Exception e)
        {
            // The books in memory may now be ahead of the store or the topic: the only safe continuation is a restart,
            // which rebuilds both from the store.
            logger.LogCritical(e, "matching stopped: {Reason}", e.Message);
            _ready.TrySetException(e);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    private async Task RunCoreAsync(CancellationToken stoppingToken)
    {
        if (governance is not null)
        {
            // The registry copy this service stored is folded first, so the first input after a restart already sees the
            // parameters in force (and the versions it must apply before it).
            await governance.WhenLoaded(stoppingToken);
        }
        var pipeline = new MatchingPipeline(catalog, _options, governance);
        var producerConfig = ProducerConfig(_kafka, connection, TransactionalId);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(producerConfig)
            .SetErrorHandler((_, error) => logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "matching producer error {Code}: {Reason}", error.Code, error.Reason))
            .Build();
        await InitTransactionsAsync(producer, stoppingToken);

        var markets = catalog.All.Select(m => m.Symbol).ToList();
        var published = PublishedSequences.Read(connection, _kafka, markets, _options.RecoveryReadTimeout, stoppingToken);
        var replayed = await ReplayAsync(pipeline, published, stoppingToken);
        _pipeline = pipeline;
        logger.LogInformation("matching: rebuilt {Books} books from {Inputs} stored input(s); {Unpublished} stored event(s) to publish again",
            markets.Count, replayed.Inputs, replayed.Unpublished.Count);

        foreach (var market in markets)
        {
            if (await halts.CurrentAsync(market, stoppingToken) is { } halt)
            {
                haltFeed.Enqueue(market, halt);
            }
        }
        _events.AddRange(replayed.Unpublished);
        Interlocked.Add(ref _republished, replayed.Unpublished.Count);
        pipeline.ReconcileProtection(_events);
        DrainHalts(pipeline);
        await PersistAsync(pipeline, stoppingToken);
        await PublishAsync(producer, stoppingToken);

        var groupId = _kafka.EffectiveConsumerGroup;
        // An order command the broker deleted before matching read it must stop this partition, never be skipped.
        var guard = new OffsetGapGuard("matching", groupId, gaps, time, logger);
        var consumerConfig = ConsumerConfig(_kafka, connection, groupId);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(consumerConfig)
            .SetErrorHandler((_, error) => logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "matching consumer error {Code}: {Reason}", error.Code, error.Reason))
            .SetPartitionsAssignedHandler(guard.OnAssigned)
            .SetPartitionsRevokedHandler((_, partitions) => DropFromBatch(partitions.Select(p => p.TopicPartition)))
            .SetPartitionsLostHandler((_, partitions) => DropFromBatch(partitions.Select(p => p.TopicPartition)))
            .Build();
        consumer.Subscribe([Topics.OrderCommands, Topics.OraclePrices]);
        logger.LogInformation("matching: consuming {Commands} and {Prices} as group {Group}, transactional.id {TransactionalId} ({Mode})",
            Topics.OrderCommands, Topics.OraclePrices, groupId, TransactionalId, connection.Mode);
        _ready.TrySetResult();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // The producer has no poll thread (see ProducerConfig): its error callbacks run here.
                producer.Poll(TimeSpan.Zero);
                CollectBatch(consumer, guard);
                var inputs = _batch.Count;
                DrainHalts(pipeline);
                foreach (var record in _batch)
                {
                    _nextOffsets[record.TopicPartition] = record.Offset.Value + 1;
                    Apply(pipeline, record, groupId);
                }
                _batch.Clear();
                await PersistAsync(pipeline, stoppingToken);
                await PublishAsync(producer, stoppingToken);
                StoreOffsets(consumer);
                Interlocked.Add(ref _processed, inputs);
                await SnapshotDueBooksAsync(pipeline, stoppingToken);
            }
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>
    /// The transactional producer of matching's events: LZ4 (a batch's events repeat market names, ids and CloudEvents
    /// headers, so it shrinks them several times for little CPU, which matters to every reader and to size-based retention),
    /// no linger (each batch's commit flushes what it produced, so lingering only held the produce request back behind the
    /// partition registration instead of letting it overlap), and no background poll thread: CommitTransaction flushes
    /// first, and librdkafka's flush waits in steps of 10 ms for a delivery report to wake it; with Confluent's poll
    /// thread taking the reports, nearly every commit slept a full step (measured in the local stack at ~330 orders/s:
    /// commit p50 10.7-12.6 ms with the thread, 3.8-6.7 ms without). The processor's loop polls for the error callbacks;
    /// the reports carry no fields, nothing reads them.
    /// </summary>
    public static ProducerConfig ProducerConfig(KafkaOptions kafka, KafkaConnection connection, string transactionalId)
    {
        var config = KafkaClientConfigs.TransactionalProducer(kafka, connection, transactionalId);
        config.CompressionType ??= CompressionType.Lz4;
        config.LingerMs = 0;
        config.EnableBackgroundPoll = false;
        config.DeliveryReportFields = "none";
        return config;
    }

    /// <summary>
    /// The consumer of order commands and oracle prices. A fetch returns within <see cref="InputFetchWaitMs"/> (librdkafka's
    /// default waits up to 500 ms for more) and a fetch error is retried within milliseconds; batching is the loop's job
    /// (Matching:BatchWindow). Offsets are a hint of where to read again (the books skip what they applied, and the store
    /// is written before anything is published), so they stay out of the transaction: SendOffsetsToTransaction cost two
    /// blocking broker round trips per batch (AddOffsetsToTxn, then TxnOffsetCommit to the group coordinator). The loop
    /// stores them once the batch's transaction committed and the consumer commits them in the background every
    /// <see cref="OffsetCommitIntervalMs"/> (and on close).
    /// </summary>
    public static ConsumerConfig ConsumerConfig(KafkaOptions kafka, KafkaConnection connection, string groupId)
    {
        var config = OffsetGapGuard.Configure(KafkaClientConfigs.Consumer(kafka, connection, groupId));
        config.FetchWaitMaxMs = kafka.FetchWaitMaxMs ?? InputFetchWaitMs;
        config.FetchErrorBackoffMs ??= 10;
        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = false;
        config.AutoCommitIntervalMs = OffsetCommitIntervalMs;
        return config;
    }

    private async Task InitTransactionsAsync(IProducer<byte[]?, byte[]?> producer, CancellationToken stoppingToken)
    {
        var timeout = TimeSpan.FromMilliseconds(_kafka.TransactionTimeoutMs);
        while (true)
        {
            stoppingToken.ThrowIfCancellationRequested();
            try
            {
                producer.InitTransactions(timeout);
                return;
            }
            catch (KafkaException e) when (!e.Error.IsFatal)
            {
                logger.LogWarning(e, "matching: initializing transactions failed ({Reason}); retrying", e.Error.Reason);
                await Task.Delay(RetryBackoff, time, stoppingToken);
            }
        }
    }

    private async Task<(long Inputs, List<MatchingEvent> Unpublished)> ReplayAsync(MatchingPipeline pipeline, Dictionary<string, long> published,
        CancellationToken stoppingToken)
    {
        var unpublished = new List<MatchingEvent>();
        long inputs = 0;
        foreach (var market in pipeline.Books.Values.OrderBy(b => b.CatalogIndex).Select(b => b.Market).ToList())
        {
            var last = published[market];
            var (version, snapshotVersion) = await BookStore.RestoreAsync(store, pipeline, market, last, logger, (batch, events) =>
            {
                inputs += batch.Inputs.Count;
                unpublished.AddRange(events.Where(e => e.Sequence > last));
            }, stoppingToken);
            var book = pipeline.Book(market);
            _streamVersions[market] = version;
            _snapshots[market] = new SnapshotClock(snapshotVersion, time.GetTimestamp());
            if (snapshotVersion >= 0)
            {
                logger.LogInformation("matching: {Market} restored from the snapshot at book-{Market} version {SnapshotVersion}, then {Tail} stored batch(es)",
                    book.Market, book.Market, snapshotVersion, version - snapshotVersion);
            }
            if (published[book.Market] > book.Sequence)
            {
                throw new InvalidOperationException(
                    $"{Topics.MatchingEvents} shows {book.Market} at sequence {published[book.Market]} but book-{book.Market} only reaches {book.Sequence}: " +
                    "the event store lost data the topic still has (a wiped data directory with a surviving broker?); refusing to start");
            }
        }
        return (inputs, unpublished);
    }

    private void CollectBatch(IConsumer<byte[]?, byte[]?> consumer, OffsetGapGuard guard)
    {
        var first = Poll(consumer, guard, PollTimeout);
        if (first is null)
        {
            return;
        }
        _batch.Add(first);
        var started = time.GetTimestamp();
        while (_batch.Count < _options.MaxBatchSize)
        {
            var left = _options.BatchWindow - time.GetElapsedTime(started);
            var next = Poll(consumer, guard, left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (next is null)
            {
                break;
            }
            _batch.Add(next);
        }
    }

    private ConsumeResult<byte[]?, byte[]?>? Poll(IConsumer<byte[]?, byte[]?> consumer, OffsetGapGuard guard, TimeSpan timeout)
    {
        try
        {
            var record = consumer.Consume(timeout);
            if (record is not null)
            {
                guard.Delivered(record.TopicPartition);
            }
            return record;
        }
        catch (ConsumeException e) when (guard.TryHandle(consumer, e))
        {
            return null;
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            logger.LogWarning(e, "matching: consume error {Code}: {Reason}", e.Error.Code, e.Error.Reason);
            return null;
        }
    }

    private void DropFromBatch(IEnumerable<TopicPartition> partitions)
    {
        var gone = partitions.ToHashSet();
        _batch.RemoveAll(r => gone.Contains(r.TopicPartition));
    }

    private void Apply(MatchingPipeline pipeline, ConsumeResult<byte[]?, byte[]?> record, string groupId)
    {
        var payload = record.Message.Value ?? [];
        try
        {
            if (record.Topic == Topics.OrderCommands)
            {
                pipeline.Apply(OrderCommand.Parser.ParseFrom(payload), _events);
            }
            else
            {
                pipeline.Apply(PriceUpdate.Parser.ParseFrom(payload), _events);
            }
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            // Unreadable bytes never reach a book; the dead letter goes out in the same transaction as the batch.
            logger.LogWarning(e, "matching: dead-lettering {Topic}[{Partition}]@{Offset}: {Reason}", record.Topic, record.Partition.Value, record.Offset.Value, e.Message);
            _deadLetters.Add(DeadLetterWriter.Build(record, groupId, $"not a readable {record.Topic} message: {e.Message}", e, attempts: 1, time.GetUtcNow()));
        }
    }

    private void DrainHalts(MatchingPipeline pipeline)
    {
        while (haltFeed.TryDequeue(out var item))
        {
            if (pipeline.Books.ContainsKey(item.Market))
            {
                pipeline.Apply(item.Market, item.Halt, _events);
            }
        }
    }

    /// <summary>One append per touched book, at the version this process last wrote: a second writer is refused here.</summary>
    private async Task PersistAsync(MatchingPipeline pipeline, CancellationToken stoppingToken)
    {
        foreach (var batch in pipeline.TakePending())
        {
            // The books already hold these inputs; failing to store them ends the process (see RunAsync) rather than run ahead of the store.
            _streamVersions[batch.Market] = await BookStore.AppendAsync(store, batch, _streamVersions[batch.Market], stoppingToken);
            _snapshots[batch.Market].InputsSince += batch.Inputs.Count;
        }
    }

    /// <summary>
    /// Snapshots the books that are due (<see cref="MatchingOptions.SnapshotEveryInputs"/>, <see cref="MatchingOptions.SnapshotInterval"/>).
    /// Called only after a committed transaction, so a snapshot never covers an event that is not on the topic: a restart
    /// from it has nothing before it to republish. A failed snapshot write is only logged: snapshots are a cache.
    /// </summary>
    private async Task SnapshotDueBooksAsync(MatchingPipeline pipeline, CancellationToken stoppingToken)
    {
        foreach (var (market, clock) in _snapshots)
        {
            var byCount = _options.SnapshotEveryInputs > 0 && clock.InputsSince >= _options.SnapshotEveryInputs;
            var byTime = _options.SnapshotInterval > TimeSpan.Zero && clock.InputsSince > 0 && time.GetElapsedTime(clock.TakenAt) >= _options.SnapshotInterval;
            if (!byCount && !byTime)
            {
                continue;
            }
            var version = _streamVersions[market];
            try
            {
                await BookStore.SaveSnapshotAsync(store, pipeline.Book(market), version, stoppingToken);
                Interlocked.Increment(ref _snapshotsTaken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "matching: snapshot of book-{Market} at version {Version} failed ({Reason}); the next one is tried after another {Inputs} inputs",
                    market, version, e.Message, _options.SnapshotEveryInputs);
            }
            clock.Version = version;
            clock.InputsSince = 0;
            clock.TakenAt = time.GetTimestamp();
        }
    }

    private sealed class SnapshotClock(long version, long takenAt)
    {
        public long Version { get; set; } = version;
        public long TakenAt { get; set; } = takenAt;
        public long InputsSince { get; set; }
    }

    /// <summary>
    /// Keeps the offsets after the batch just stored and published; the consumer commits them in the background. A partition
    /// revoked meanwhile refuses them, which only means its next owner reads those inputs again and the books skip them.
    /// </summary>
    private void StoreOffsets(IConsumer<byte[]?, byte[]?> consumer)
    {
        foreach (var (partition, next) in _nextOffsets)
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(partition, next));
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_State)
            {
                logger.LogInformation("matching: offset {Offset} of {Partition} not kept, the partition is no longer assigned", next, partition);
            }
        }
        _nextOffsets.Clear();
    }

    /// <summary>
    /// Publishes <see cref="_events"/> (and dead letters) in one transaction. On failure: abort, look at what became
    /// visible anyway (the embedded broker does not hide aborted records), and retry with the rest.
    /// </summary>
    private async Task PublishAsync(IProducer<byte[]?, byte[]?> producer, CancellationToken stoppingToken)
    {
        if (_events.Count == 0 && _deadLetters.Count == 0)
        {
            return;
        }
        var timeout = TimeSpan.FromMilliseconds(_kafka.TransactionTimeoutMs);
        var now = time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                producer.BeginTransaction();
                foreach (var e in _events)
                {
                    producer.Produce(Topics.MatchingEvents, CloudEventsEnvelope.ToKafkaMessage(MatchingEventsGateway.ToOutbound(e), _kafka.CloudEventsSource, now));
                }
                foreach (var deadLetter in _deadLetters)
                {
                    producer.Produce(Topics.DeadLetters, deadLetter);
                }
                producer.CommitTransaction(timeout);
                break;
            }
            catch (KafkaException e) when (!e.Error.IsFatal && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "matching: transaction of {Events} event(s) failed ({Reason}), attempt {Attempt}; aborting and publishing what is not visible", _events.Count, e.Error.Reason, attempt);
                try
                {
                    producer.AbortTransaction(timeout);
                }
                catch (KafkaException abort) when (!abort.Error.IsFatal)
                {
                    logger.LogWarning(abort, "matching: abort failed ({Reason}); the next attempt aborts again", abort.Error.Reason);
                }
                await Task.Delay(RetryBackoff, time, stoppingToken);
                var visible = PublishedSequences.Read(connection, _kafka, _events.Select(x => x.Market).Distinct().ToList(), _options.RecoveryReadTimeout, stoppingToken);
                _events.RemoveAll(x => x.Sequence > 0 && x.Sequence <= visible[x.Market]);
            }
        }

        Interlocked.Increment(ref _transactions);
        _events.Clear();
        _deadLetters.Clear();
    }
}
