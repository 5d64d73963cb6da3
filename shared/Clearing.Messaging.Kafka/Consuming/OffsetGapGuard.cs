using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Clearing.Messaging.Kafka.Consuming;

/// <summary>
/// Makes a consumer stop at deleted records instead of skipping them. With <c>auto.offset.reset=earliest</c> librdkafka
/// answers "offset out of range" by jumping to the log start, so a consumer that lagged behind retention silently
/// loses everything in between — for a clearing system, unbooked fills. Here the reset policy is <c>error</c>: a
/// partition whose next offset is gone stops with <see cref="ErrorCode.Local_AutoOffsetReset"/>, which this guard turns
/// into a critical log line, a sticky <see cref="ConsumerGap"/> (the health check reports it) and a paused partition.
/// A partition the group never committed still starts at the log start, set explicitly on assignment, because
/// <c>error</c> would refuse that too.
/// </summary>
/// <remarks>
/// Use: <see cref="Configure"/> on the consumer config, <see cref="OnAssigned"/> as the partitions-assigned handler,
/// and <see cref="TryHandle"/> in the catch of <c>Consume</c>. Offsets are only a hint of where to start (DESIGN.md §6),
/// but they are the one thing that says "records before this were read": the inbox cannot, since a per-aggregate inbox
/// sees only the messages for its aggregate and source sequences legitimately skip events kept private.
/// </remarks>
public sealed class OffsetGapGuard
{
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(10);

    private readonly string _consumerName;
    private readonly string _groupId;
    private readonly KafkaConsumerGaps? _gaps;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HashSet<TopicPartition> _startingFromBeginning = [];
    private readonly Lock _gate = new();

    public OffsetGapGuard(string consumerName, string groupId, KafkaConsumerGaps? gaps, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerName);
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        _consumerName = consumerName;
        _groupId = groupId;
        _gaps = gaps;
        _time = time;
        _logger = logger;
    }

    /// <summary>Sets <c>auto.offset.reset=error</c>: the broker's "out of range" reaches <see cref="TryHandle"/>.</summary>
    public static ConsumerConfig Configure(ConsumerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.AutoOffsetReset = AutoOffsetReset.Error;
        return config;
    }

    /// <summary>
    /// Start positions for newly assigned partitions: the group's committed offset where it has one, else the log start.
    /// If the committed offsets cannot be read, the partitions start at the committed offset librdkafka fetches itself
    /// (<see cref="Offset.Unset"/>); one without any then reaches <see cref="TryHandle"/> as "no offset" and starts at
    /// the log start there.
    /// </summary>
    public IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(partitions);
        if (partitions.Count == 0)
        {
            return [];
        }

        List<TopicPartitionOffset> committed;
        try
        {
            committed = consumer.Committed(partitions, BrokerTimeout);
        }
        catch (KafkaException e)
        {
            _logger.LogWarning(e, "{Consumer}: reading the committed offsets of {Partitions} failed ({Reason}); librdkafka fetches them itself", _consumerName, string.Join(", ", partitions), e.Error.Reason);
            return partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset)).ToList();
        }

        var starts = new List<TopicPartitionOffset>(partitions.Count);
        lock (_gate)
        {
            foreach (var partition in partitions)
            {
                var offset = committed.FirstOrDefault(c => c.TopicPartition == partition)?.Offset ?? Offset.Unset;
                if (offset.IsSpecial)
                {
                    _startingFromBeginning.Add(partition);
                    starts.Add(new TopicPartitionOffset(partition, Offset.Beginning));
                }
                else
                {
                    _startingFromBeginning.Remove(partition);
                    starts.Add(new TopicPartitionOffset(partition, offset));
                }
            }
        }

        _logger.LogInformation("{Consumer}: assigned {Partitions}", _consumerName, string.Join(", ", starts.Select(Describe)));
        return starts;
    }

    /// <summary>Call for every record the consumer handles: a partition that delivered a record has passed its start.</summary>
    public void Delivered(TopicPartition partition)
    {
        lock (_gate)
        {
            if (_startingFromBeginning.Count > 0)
            {
                _startingFromBeginning.Remove(partition);
            }
        }
    }

    /// <summary>
    /// Handles a consume error that is an offset reset. Returns false for any other error (the caller logs it as before).
    /// A partition that has no committed offset and has not delivered yet is (re)started at the log start: the log start
    /// moved while it was being looked up, which loses nothing this group ever read. Any other reset is a gap: logged
    /// critical, reported, the partition paused; the consumer goes on with its other partitions and never commits past it.
    /// </summary>
    public bool TryHandle(IConsumer<byte[]?, byte[]?> consumer, ConsumeException exception)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Error.Code != ErrorCode.Local_AutoOffsetReset)
        {
            return false;
        }

        var record = exception.ConsumerRecord;
        if (record?.TopicPartition is not { } partition || string.IsNullOrEmpty(partition.Topic))
        {
            // librdkafka always names the partition of a reset; without one there is nothing to stop, so make it loud.
            _logger.LogCritical(exception, "{Consumer}: offset reset refused on an unnamed partition: {Reason}", _consumerName, exception.Error.Reason);
            return true;
        }

        var wanted = record.Offset;
        bool fresh;
        lock (_gate)
        {
            fresh = wanted.IsSpecial || _startingFromBeginning.Contains(partition);
        }

        if (fresh)
        {
            _logger.LogInformation("{Consumer}: {Partition} has no committed offset for group {Group} ({Reason}); starting at the log start", _consumerName, partition, _groupId, exception.Error.Reason);
            lock (_gate)
            {
                _startingFromBeginning.Add(partition);
            }

            consumer.Seek(new TopicPartitionOffset(partition, Offset.Beginning));
            return true;
        }

        var marks = Watermarks(consumer, partition);
        var gap = new ConsumerGap(_consumerName, _groupId, partition.Topic, partition.Partition.Value, wanted.Value, marks.Low, marks.High, _time.GetUtcNow());
        Pause(consumer, partition);
        var first = _gaps?.Report(gap) ?? true;
        _logger.Log(
            first ? LogLevel.Critical : LogLevel.Error,
            exception,
            "{Consumer}: CONSUMER GAP on {Topic} [{Partition}]: wanted offset {Wanted}, log start {LogStart}, log end {LogEnd}, {Lost} offset(s) lost. {Description} (librdkafka: {Reason})",
            _consumerName,
            gap.Topic,
            gap.Partition,
            gap.WantedOffset,
            gap.LogStart,
            gap.LogEnd,
            gap.LostOffsets,
            gap.Describe(),
            exception.Error.Reason);
        return true;
    }

    private (long Low, long High) Watermarks(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition)
    {
        try
        {
            var marks = consumer.QueryWatermarkOffsets(partition, BrokerTimeout);
            return (marks.Low.Value, marks.High.Value);
        }
        catch (KafkaException e)
        {
            _logger.LogError(e, "{Consumer}: reading the watermarks of {Partition} failed: {Reason}", _consumerName, partition, e.Error.Reason);
            return (Offset.Unset.Value, Offset.Unset.Value);
        }
    }

    private void Pause(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition)
    {
        try
        {
            consumer.Pause([partition]);
        }
        catch (KafkaException e)
        {
            // librdkafka already stopped fetching the partition at the error; the pause only makes that explicit.
            _logger.LogWarning(e, "{Consumer}: pausing {Partition} failed: {Reason}", _consumerName, partition, e.Error.Reason);
        }
    }

    private static string Describe(TopicPartitionOffset start) =>
        start.Offset == Offset.Beginning ? $"{start.TopicPartition} from the log start (no committed offset)" : $"{start.TopicPartition} from offset {start.Offset.Value}";
}
