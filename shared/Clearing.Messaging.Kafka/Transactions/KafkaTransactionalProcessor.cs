using Clearing.Contracts;
using Clearing.Messaging.Kafka.Consuming;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;

namespace Clearing.Messaging.Kafka.Transactions;

/// <summary>
/// Consume-transform-produce with Kafka transactions. Each batch: transform every input (retries, then a dead
/// letter), then one short transaction that publishes the outputs and the dead letters and sends the consumer
/// offsets (SendOffsetsToTransaction). If the transaction fails it is aborted and the consumer is rewound to the
/// batch start, so the same inputs are transformed again; outputs of the aborted attempt stay invisible to
/// read_committed consumers on a real cluster.
/// </summary>
/// <remarks>
/// Transforms run before the transaction begins, so a failing transform never leaves records on the broker —
/// this matters on the embedded broker, which does not hide aborted records (see <see cref="Embedded.EmbeddedKafkaBroker"/>).
/// </remarks>
public sealed class KafkaTransactionalProcessor<TMessage> : BackgroundService
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan AbortBackoff = TimeSpan.FromMilliseconds(200);

    private readonly KafkaTransactionalDefinition<TMessage> _definition;
    private readonly KafkaTransform<TMessage> _transform;
    private readonly KafkaConnection _connection;
    private readonly KafkaOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly string _groupId;
    private readonly string _transactionalId;
    private readonly OffsetGapGuard _gapGuard;
    private readonly TimeSpan _transactionTimeout;
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _batch = [];
    private long _committed;
    private long _aborted;
    private long _processed;
    private long _deadLettered;

    public KafkaTransactionalProcessor(
        KafkaTransactionalDefinition<TMessage> definition,
        KafkaTransform<TMessage> transform,
        KafkaConnection connection,
        KafkaOptions options,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        KafkaConsumerGaps? gaps = null)
    {
        definition.Validate();
        _definition = definition;
        _transform = transform;
        _connection = connection;
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger($"Clearing.Messaging.Kafka.Processor.{definition.Name}");
        _groupId = definition.GroupId ?? options.EffectiveConsumerGroup;
        _transactionalId = definition.TransactionalId ?? options.TransactionalId;
        _transactionTimeout = TimeSpan.FromMilliseconds(options.TransactionTimeoutMs);
        _pipeline = KafkaRetryPipeline.Build(definition.Retry ?? options.Retry, time, _logger, definition.Name);
        _gapGuard = new OffsetGapGuard(definition.Name, _groupId, gaps, time, _logger);
    }

    public string TransactionalId => _transactionalId;

    public long CommittedTransactions => Interlocked.Read(ref _committed);

    public long AbortedTransactions => Interlocked.Read(ref _aborted);

    /// <summary>Inputs whose transaction committed (dead letters included).</summary>
    public long ProcessedCount => Interlocked.Read(ref _processed);

    public long DeadLetteredCount => Interlocked.Read(ref _deadLettered);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Run(() => RunAsync(stoppingToken), CancellationToken.None);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientConfigs.TransactionalProducer(_options, _connection, _transactionalId))
            .SetErrorHandler((_, error) => _logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "{Processor}: producer error {Code}: {Reason}", _definition.Name, error.Code, error.Reason))
            .SetLogHandler((_, log) => KafkaClientLog.Write(_logger, log))
            .Build();
        if (!await InitTransactionsAsync(producer, stoppingToken))
        {
            return;
        }

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(OffsetGapGuard.Configure(KafkaClientConfigs.Consumer(_options, _connection, _groupId)))
            .SetPartitionsAssignedHandler(_gapGuard.OnAssigned)
            .SetPartitionsRevokedHandler((_, partitions) => DropFromBatch(partitions.Select(p => p.TopicPartition)))
            .SetPartitionsLostHandler((_, partitions) => DropFromBatch(partitions.Select(p => p.TopicPartition)))
            .SetErrorHandler((_, error) => _logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "{Processor}: consumer error {Code}: {Reason}", _definition.Name, error.Code, error.Reason))
            .SetLogHandler((_, log) => KafkaClientLog.Write(_logger, log))
            .Build();
        consumer.Subscribe(_definition.InputTopics);
        _logger.LogInformation(
            "{Processor}: consuming {Topics} as group {Group} with transactional.id {TransactionalId} ({Mode}{Mirror})",
            _definition.Name,
            string.Join(", ", _definition.InputTopics),
            _groupId,
            _transactionalId,
            _connection.Mode,
            _connection.MirrorTransactionalOffsets ? ", offsets also committed outside the transaction" : string.Empty);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                CollectBatch(consumer);
                if (_batch.Count == 0)
                {
                    continue;
                }

                var work = await TransformBatchAsync(stoppingToken);
                if (work is null)
                {
                    // Stopped while retrying a transform: nothing was sent, the inputs stay uncommitted.
                    break;
                }

                if (!TryCommit(producer, consumer, work))
                {
                    Rewind(consumer, work.FirstOffsets);
                    await DelayUnlessStopping(AbortBackoff, stoppingToken);
                }

                _batch.Clear();
            }
        }
        finally
        {
            consumer.Close();
            _logger.LogInformation(
                "{Processor}: stopped after {Committed} committed and {Aborted} aborted transaction(s)",
                _definition.Name,
                CommittedTransactions,
                AbortedTransactions);
        }
    }

    private async Task<bool> InitTransactionsAsync(IProducer<byte[]?, byte[]?> producer, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                producer.InitTransactions(_transactionTimeout);
                return true;
            }
            catch (KafkaException e) when (!e.Error.IsFatal)
            {
                _logger.LogWarning(e, "{Processor}: initializing transactions failed ({Reason}); retrying", _definition.Name, e.Error.Reason);
                await DelayUnlessStopping(AbortBackoff, stoppingToken);
            }
        }

        return false;
    }

    private void CollectBatch(IConsumer<byte[]?, byte[]?> consumer)
    {
        var first = Poll(consumer, PollTimeout);
        if (first is null)
        {
            return;
        }

        _batch.Add(first);
        var started = _time.GetTimestamp();
        while (_batch.Count < _definition.MaxBatchSize)
        {
            var left = _definition.BatchWindow - _time.GetElapsedTime(started);
            var next = Poll(consumer, left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (next is null)
            {
                break;
            }

            _batch.Add(next);
        }
    }

    private ConsumeResult<byte[]?, byte[]?>? Poll(IConsumer<byte[]?, byte[]?> consumer, TimeSpan timeout)
    {
        try
        {
            var record = consumer.Consume(timeout);
            if (record is not null)
            {
                _gapGuard.Delivered(record.TopicPartition);
            }

            return record;
        }
        catch (ConsumeException e) when (_gapGuard.TryHandle(consumer, e))
        {
            return null;
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            _logger.LogWarning(e, "{Processor}: consume error {Code}: {Reason}", _definition.Name, e.Error.Code, e.Error.Reason);
            return null;
        }
    }

    private async Task<BatchWork?> TransformBatchAsync(CancellationToken stoppingToken)
    {
        var work = new BatchWork();
        var now = _time.GetUtcNow();
        foreach (var record in _batch)
        {
            work.FirstOffsets.TryAdd(record.TopicPartition, record.Offset.Value);
            work.NextOffsets[record.TopicPartition] = record.Offset.Value + 1;

            KafkaInboundMessage<TMessage> input;
            try
            {
                var metadata = CloudEventsEnvelope.Read(record);
                input = new KafkaInboundMessage<TMessage>(_definition.Deserializer.Deserialize(record.Message.Value ?? [], metadata), metadata);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                work.DeadLetters.Add(DeadLetterWriter.Build(record, _groupId, $"deserialization failed: {e.Message}", e, attempts: 0, now));
                LogDeadLetter(record, e, 0);
                continue;
            }

            var attempts = 0;
            try
            {
                var outputs = await _pipeline.ExecuteAsync(
                    async _ =>
                    {
                        attempts++;
                        return await _transform(input, CancellationToken.None);
                    },
                    stoppingToken);
                foreach (var output in outputs)
                {
                    work.Outputs.Add((output.Topic, CloudEventsEnvelope.ToKafkaMessage(output, _options.CloudEventsSource, now)));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e)
            {
                work.DeadLetters.Add(DeadLetterWriter.Build(record, _groupId, $"transform failed after {attempts} attempt(s): {e.Message}", e, attempts, now));
                LogDeadLetter(record, e, attempts);
            }
        }

        return work;
    }

    private bool TryCommit(IProducer<byte[]?, byte[]?> producer, IConsumer<byte[]?, byte[]?> consumer, BatchWork work)
    {
        var offsets = work.NextOffsets.Select(o => new TopicPartitionOffset(o.Key, o.Value)).ToList();
        try
        {
            producer.BeginTransaction();
            foreach (var (topic, message) in work.Outputs)
            {
                producer.Produce(topic, message);
            }

            foreach (var deadLetter in work.DeadLetters)
            {
                producer.Produce(Topics.DeadLetters, deadLetter);
            }

            producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, _transactionTimeout);
            producer.CommitTransaction(_transactionTimeout);
        }
        catch (KafkaException e) when (!e.Error.IsFatal)
        {
            Interlocked.Increment(ref _aborted);
            _logger.LogWarning(e, "{Processor}: transaction of {Count} input(s) failed ({Reason}); aborting and rewinding", _definition.Name, _batch.Count, e.Error.Reason);
            Abort(producer);
            return false;
        }

        Interlocked.Increment(ref _committed);
        Interlocked.Add(ref _processed, _batch.Count);
        Interlocked.Add(ref _deadLettered, work.DeadLetters.Count);
        if (_connection.MirrorTransactionalOffsets)
        {
            MirrorOffsets(consumer, offsets);
        }

        return true;
    }

    private void Abort(IProducer<byte[]?, byte[]?> producer)
    {
        try
        {
            producer.AbortTransaction(_transactionTimeout);
        }
        catch (KafkaException e) when (!e.Error.IsFatal)
        {
            // The next BeginTransaction fails the same way and is aborted again; the inputs are rewound either way.
            _logger.LogError(e, "{Processor}: aborting the transaction failed: {Reason}", _definition.Name, e.Error.Reason);
        }
    }

    private void MirrorOffsets(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> offsets)
    {
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException e)
        {
            // Offsets are a hint (DESIGN.md §6): a lost commit means re-reading, which the inbox skips.
            _logger.LogWarning(e, "{Processor}: committing offsets outside the transaction failed: {Reason}", _definition.Name, e.Error.Reason);
        }
    }

    private void Rewind(IConsumer<byte[]?, byte[]?> consumer, Dictionary<TopicPartition, long> firstOffsets)
    {
        var assigned = consumer.Assignment.ToHashSet();
        foreach (var (partition, offset) in firstOffsets)
        {
            if (assigned.Contains(partition))
            {
                consumer.Seek(new TopicPartitionOffset(partition, offset));
            }
        }
    }

    private void DropFromBatch(IEnumerable<TopicPartition> partitions)
    {
        var gone = partitions.ToHashSet();
        _logger.LogInformation("{Processor}: revoked {Partitions}", _definition.Name, string.Join(", ", gone));
        _batch.RemoveAll(r => gone.Contains(r.TopicPartition));
    }

    private void LogDeadLetter(ConsumeResult<byte[]?, byte[]?> record, Exception e, int attempts) =>
        _logger.LogWarning(e, "{Processor}: dead-lettering {Topic}[{Partition}]@{Offset} after {Attempts} attempt(s)", _definition.Name, record.Topic, record.Partition.Value, record.Offset.Value, attempts);

    private async Task DelayUnlessStopping(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, _time, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the caller's loop condition ends the run.
        }
    }

    private sealed class BatchWork
    {
        public Dictionary<TopicPartition, long> FirstOffsets { get; } = [];

        public Dictionary<TopicPartition, long> NextOffsets { get; } = [];

        public List<(string Topic, Message<byte[]?, byte[]?> Message)> Outputs { get; } = [];

        public List<Message<byte[]?, byte[]?>> DeadLetters { get; } = [];
    }
}
