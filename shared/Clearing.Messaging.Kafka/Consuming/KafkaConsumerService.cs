using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;

namespace Clearing.Messaging.Kafka.Consuming;

/// <summary>
/// A consumer as a hosted service: auto-commit off, offsets committed only for handled messages, in delivery order
/// (so per-key and per-partition order holds), handler retries through Polly, then the dead-letter topic —
/// a poison message never stops its partition. Stopping finishes the current message, commits, and leaves the group.
/// A partition whose next offset was deleted before it was read stops instead of skipping (<see cref="OffsetGapGuard"/>).
/// </summary>
/// <remarks>
/// <para>The consume loop owns a thread: <c>Consume</c> blocks, and a service has several consumers, which on the
/// thread pool held a worker each and starved the pool's handlers on small machines. Handlers still run their
/// asynchronous parts on the pool; the loop waits for each run before fetching the next.</para>
/// <para>Messages of types the definition does not act on (<see cref="KafkaConsumerDefinition{TMessage}.Types"/>) are
/// committed in order with the rest without reading their envelope.</para>
/// A batch handler (<see cref="KafkaConsumerDefinition{TMessage}.MaxBatchSize"/> above 1) gets what is already fetched
/// in one call, so a consumer behind by thousands can apply them under one lock and one store commit instead of one
/// each. A run that fails is split into single messages, each retried and dead-lettered on its own.
/// </remarks>
public sealed class KafkaConsumerService<TMessage> : BackgroundService
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The most skipped messages one fetch takes along, so a mostly skipped topic still commits in runs.</summary>
    private const int SkippedPerFetch = 1024;

    private readonly KafkaConsumerDefinition<TMessage> _definition;
    private readonly KafkaBatchHandler<TMessage> _handler;
    private readonly KafkaConnection _connection;
    private readonly KafkaOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly DeadLetterWriter _deadLetters;
    private readonly string _groupId;
    private readonly OffsetGapGuard _gapGuard;
    private readonly Dictionary<TopicPartition, long> _uncommitted = [];
    private readonly List<bool> _skips = [];
    private int _wanted;
    private readonly ManualResetEventSlim _runEnded = new(initialState: false, spinCount: 0);
    private readonly Action _signalRunEnded;
    private long _lastCommit;
    private int _uncommittedMessages;
    private long _handled;
    private long _skipped;
    private long _deadLettered;

    public KafkaConsumerService(
        KafkaConsumerDefinition<TMessage> definition,
        KafkaMessageHandler<TMessage> handler,
        KafkaConnection connection,
        KafkaOptions options,
        IKafkaPublisher publisher,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        KafkaConsumerGaps? gaps = null)
        : this(definition with { MaxBatchSize = 1 }, new KafkaBatchHandler<TMessage>((messages, cancellationToken) => handler(messages[0], cancellationToken)), connection, options, publisher, time, loggerFactory, gaps)
    {
        ArgumentNullException.ThrowIfNull(handler);
    }

    /// <summary>A consumer handing runs of up to <see cref="KafkaConsumerDefinition{TMessage}.MaxBatchSize"/> messages to <paramref name="handler"/>.</summary>
    public static KafkaConsumerService<TMessage> ForBatches(
        KafkaConsumerDefinition<TMessage> definition,
        KafkaBatchHandler<TMessage> handler,
        KafkaConnection connection,
        KafkaOptions options,
        IKafkaPublisher publisher,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        KafkaConsumerGaps? gaps = null) =>
        new(definition, handler, connection, options, publisher, time, loggerFactory, gaps);

    // Private so a lambda handler never has two constructors to choose between: batch consumers come from ForBatches.
    private KafkaConsumerService(
        KafkaConsumerDefinition<TMessage> definition,
        KafkaBatchHandler<TMessage> handler,
        KafkaConnection connection,
        KafkaOptions options,
        IKafkaPublisher publisher,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        KafkaConsumerGaps? gaps = null)
    {
        definition.Validate();
        ArgumentNullException.ThrowIfNull(handler);
        _definition = definition;
        _handler = handler;
        _connection = connection;
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger($"Clearing.Messaging.Kafka.Consumer.{definition.Name}");
        _groupId = definition.GroupId ?? DefaultGroupId(options.EffectiveConsumerGroup, definition.Name);
        _pipeline = KafkaRetryPipeline.Build(definition.Retry ?? options.Retry, time, _logger, definition.Name);
        _deadLetters = new DeadLetterWriter(publisher, time, _logger);
        _gapGuard = new OffsetGapGuard(definition.Name, _groupId, gaps, time, _logger);
        _signalRunEnded = _runEnded.Set;
    }

    public string GroupId => _groupId;

    /// <summary>
    /// One group per consumer, prefixed with the service's group ("margin-fills", "margin-prices"): consumers of one
    /// service that shared a group would rebalance each other's partitions away (a group assigns partitions across
    /// members, whatever topics each subscribed to), and the prefix keeps them inside the service's Kafka ACLs.
    /// </summary>
    public static string DefaultGroupId(string serviceGroup, string consumerName) =>
        consumerName.StartsWith(serviceGroup + "-", StringComparison.Ordinal) || consumerName == serviceGroup
            ? consumerName
            : $"{serviceGroup}-{consumerName}";

    /// <summary>Messages handled successfully (dead letters not included).</summary>
    public long HandledCount => Interlocked.Read(ref _handled);

    public long DeadLetteredCount => Interlocked.Read(ref _deadLettered);

    /// <summary>Messages committed unread because their type is not one the consumer acts on.</summary>
    public long SkippedCount => Interlocked.Read(ref _skipped);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(stoppingToken);
                stopped.SetResult();
            }
            catch (Exception e)
            {
                // The host sees the failure through the task, as it would from any background service.
                stopped.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = $"kafka {_definition.Name}",
        };
        thread.Start();
        return stopped.Task;
    }

    public override void Dispose()
    {
        base.Dispose();
        // The loop has ended by now: the host disposes a service only after its stop.
        if (ExecuteTask is null || ExecuteTask.IsCompleted)
        {
            _runEnded.Dispose();
        }
    }

    /// <summary>The librdkafka settings of this consumer: the service's, its definition's urgency and the gap guard's.</summary>
    internal ConsumerConfig ClientConfig() =>
        OffsetGapGuard.Configure(KafkaClientConfigs.Consumer(_options, _connection, _groupId, _definition.Urgency));

    private void Run(CancellationToken stoppingToken)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfig())
            .SetPartitionsAssignedHandler(_gapGuard.OnAssigned)
            .SetPartitionsRevokedHandler((c, partitions) => OnRevoked(c, partitions.Select(p => p.TopicPartition)))
            .SetPartitionsLostHandler((_, partitions) => OnLost(partitions.Select(p => p.TopicPartition)))
            .SetErrorHandler((_, error) => _logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "{Consumer}: Kafka error {Code}: {Reason}", _definition.Name, error.Code, error.Reason))
            .SetLogHandler((_, log) => KafkaClientLog.Write(_logger, log))
            .Build();

        consumer.Subscribe(_definition.Topics);
        _logger.LogInformation("{Consumer}: consuming {Topics} as group {Group} ({Mode}, types: {Types})", _definition.Name, string.Join(", ", _definition.Topics), _groupId, _connection.Mode, _definition.Types?.ToString() ?? "all");
        _lastCommit = _time.GetTimestamp();
        try
        {
            var records = new List<ConsumeResult<byte[]?, byte[]?>>(_definition.MaxBatchSize);
            while (!stoppingToken.IsCancellationRequested)
            {
                Fetch(consumer, records);
                // This thread is the loop's own: waiting here holds no pool worker.
                if (records.Count > 0 && !WaitFor(ProcessAsync(records, stoppingToken)))
                {
                    // Stopped mid-retry: that message and those after it stay uncommitted and are delivered again after restart.
                    break;
                }

                if (CommitDue())
                {
                    Commit(consumer, _uncommitted.Keys.ToArray());
                }
            }
        }
        finally
        {
            Commit(consumer, _uncommitted.Keys.ToArray());
            consumer.Close();
            _logger.LogInformation("{Consumer}: stopped after {Handled} handled, {Skipped} skipped and {DeadLettered} dead-lettered message(s)", _definition.Name, HandledCount, SkippedCount, DeadLetteredCount);
        }
    }

    /// <summary>
    /// Blocks the loop's thread until <paramref name="task"/> ends, without the spinning of <c>GetResult</c>: a run
    /// usually ends within a store commit on another thread, just past the spin, and the spin cost settlement a
    /// sixth of its CPU at 2,000 orders/s.
    /// </summary>
    private bool WaitFor(Task<bool> task)
    {
        if (!task.IsCompleted)
        {
            _runEnded.Reset();
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_signalRunEnded);
            _runEnded.Wait();
        }

        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits up to the poll timeout for one message, then takes what else is already fetched, up to the batch size of
    /// messages the consumer acts on (skipped ones ride along, up to <see cref="SkippedPerFetch"/>, so a topic that is
    /// mostly skipped still commits in runs).
    /// </summary>
    private void Fetch(IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> records)
    {
        records.Clear();
        _skips.Clear();
        _wanted = 0;
        var timeout = PollTimeout;
        while (_wanted < _definition.MaxBatchSize && records.Count - _wanted < SkippedPerFetch && Poll(consumer, timeout) is { } record)
        {
            _gapGuard.Delivered(record.TopicPartition);
            var skip = _definition.Types?.Skips(record.Message.Headers) ?? false;
            records.Add(record);
            _skips.Add(skip);
            _wanted += skip ? 0 : 1;
            timeout = TimeSpan.Zero;
        }
    }

    private ConsumeResult<byte[]?, byte[]?>? Poll(IConsumer<byte[]?, byte[]?> consumer, TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException e) when (_gapGuard.TryHandle(consumer, e))
        {
            return null;
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            _logger.LogWarning(e, "{Consumer}: consume error {Code}: {Reason}", _definition.Name, e.Error.Code, e.Error.Reason);
            return null;
        }
    }

    /// <summary>
    /// Handles fetched records in order, marking each handled or skipped one for commit. Returns false only when
    /// stopping interrupted a message before it was handled or dead-lettered.
    /// </summary>
    private async Task<bool> ProcessAsync(List<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken stoppingToken)
    {
        if (_wanted > 1 && await TryProcessRunAsync(records))
        {
            return true;
        }

        for (var i = 0; i < records.Count; i++)
        {
            if (_skips[i])
            {
                Interlocked.Increment(ref _skipped);
            }
            else if (!await ProcessAsync(records[i], stoppingToken))
            {
                return false;
            }

            MarkHandled(records[i]);
        }

        return true;
    }

    /// <summary>
    /// Hands the records the consumer acts on to the handler in one call, without retries: when anything fails (a
    /// record that does not deserialize included), the caller handles the records one by one, where retries and dead
    /// letters apply.
    /// </summary>
    private async Task<bool> TryProcessRunAsync(List<ConsumeResult<byte[]?, byte[]?>> records)
    {
        var messages = new List<KafkaInboundMessage<TMessage>>(_wanted);
        try
        {
            for (var i = 0; i < records.Count; i++)
            {
                if (!_skips[i])
                {
                    messages.Add(Deserialize(records[i]));
                }
            }

            // No stop token, as for one message: a graceful stop lets the run finish.
            await _handler(messages, CancellationToken.None);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "{Consumer}: a run of {Count} message(s) failed; handling them one by one", _definition.Name, _wanted);
            return false;
        }

        Interlocked.Add(ref _handled, messages.Count);
        Interlocked.Add(ref _skipped, records.Count - messages.Count);
        foreach (var record in records)
        {
            MarkHandled(record);
        }

        return true;
    }

    private KafkaInboundMessage<TMessage> Deserialize(ConsumeResult<byte[]?, byte[]?> record)
    {
        var metadata = CloudEventsEnvelope.Read(record);
        var payload = _definition.Deserializer.Deserialize(record.Message.Value ?? [], metadata);
        return new KafkaInboundMessage<TMessage>(payload, metadata);
    }

    /// <summary>Returns false only when stopping interrupted the message before it was handled or dead-lettered.</summary>
    private async Task<bool> ProcessAsync(ConsumeResult<byte[]?, byte[]?> record, CancellationToken stoppingToken)
    {
        KafkaInboundMessage<TMessage> message;
        try
        {
            message = Deserialize(record);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await DeadLetterAsync(record, $"deserialization failed: {e.Message}", e, attempts: 0, stoppingToken);
        }

        var attempts = 0;
        KafkaInboundMessage<TMessage>[] one = [message];
        try
        {
            // The handler gets no stop token: a graceful stop lets the current message finish. Retry delays do stop.
            await _pipeline.ExecuteAsync(
                async _ =>
                {
                    attempts++;
                    await _handler(one, CancellationToken.None);
                },
                stoppingToken);
            Interlocked.Increment(ref _handled);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e)
        {
            return await DeadLetterAsync(record, $"handler failed after {attempts} attempt(s): {e.Message}", e, attempts, stoppingToken);
        }
    }

    private async Task<bool> DeadLetterAsync(ConsumeResult<byte[]?, byte[]?> record, string reason, Exception e, int attempts, CancellationToken stoppingToken)
    {
        var written = await _deadLetters.WriteAsync(record, _groupId, reason, e, attempts, stoppingToken);
        if (written)
        {
            Interlocked.Increment(ref _deadLettered);
        }

        return written;
    }

    private void MarkHandled(ConsumeResult<byte[]?, byte[]?> record)
    {
        _uncommitted[record.TopicPartition] = record.Offset.Value + 1;
        _uncommittedMessages++;
    }

    /// <summary>Commits every <c>CommitInterval</c>, or sooner once <c>CommitBatchSize</c> handled or skipped messages wait.</summary>
    private bool CommitDue() =>
        _uncommitted.Count > 0
        && (_uncommittedMessages >= _options.CommitBatchSize || _time.GetElapsedTime(_lastCommit) >= _options.CommitInterval);

    private void Commit(IConsumer<byte[]?, byte[]?> consumer, IReadOnlyCollection<TopicPartition> partitions)
    {
        var offsets = partitions
            .Where(_uncommitted.ContainsKey)
            .Select(p => new TopicPartitionOffset(p, _uncommitted[p]))
            .ToList();
        _lastCommit = _time.GetTimestamp();
        if (offsets.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(offsets);
            foreach (var offset in offsets)
            {
                _uncommitted.Remove(offset.TopicPartition);
            }

            ForgetCountWhenNothingWaits();
        }
        catch (KafkaException e)
        {
            // Offsets are only a hint (DESIGN.md §6): a lost commit means redelivery, which the inbox skips.
            _logger.LogWarning(e, "{Consumer}: committing {Offsets} failed: {Reason}", _definition.Name, string.Join(", ", offsets), e.Error.Reason);
        }
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<TopicPartition> partitions)
    {
        var revoked = partitions.ToArray();
        _logger.LogInformation("{Consumer}: revoked {Partitions}", _definition.Name, string.Join(", ", revoked));
        Commit(consumer, revoked);
        OnLost(revoked);
    }

    private void OnLost(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _uncommitted.Remove(partition);
        }

        ForgetCountWhenNothingWaits();
    }

    private void ForgetCountWhenNothingWaits()
    {
        if (_uncommitted.Count == 0)
        {
            _uncommittedMessages = 0;
        }
    }
}
