using System.Globalization;
using Clearing.EventSourcing;
using Confluent.Kafka;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>
/// The last offset the broker acknowledged to this relay, per partition of each of its topics, kept in the store's
/// checkpoint table next to the relay's checkpoint (<c>outbox-{relay}:offset:{topic}:{partition}</c>, and
/// <c>outbox-{relay}:partitions:{topic}</c> for how many partitions were seen). A Kafka partition's offsets never go
/// backwards — retention and compaction delete records but keep the high watermark — so a partition that now ends at
/// or below an offset it once acknowledged has lost that record: the broker was wiped, the topic recreated, or the
/// log truncated. That is the wipe signal (<see cref="FindMissing"/>, <see cref="FindRegression"/>).
/// </summary>
internal sealed class OutboxAcknowledgedOffsets
{
    private const long None = -1;

    private readonly ICheckpointStore _checkpoints;
    private readonly string _relayName;
    private readonly Dictionary<string, int> _partitions = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, long> _offsets = [];

    private OutboxAcknowledgedOffsets(ICheckpointStore checkpoints, string relayName)
    {
        _checkpoints = checkpoints;
        _relayName = relayName;
    }

    /// <summary>True once anything this relay published was acknowledged (since the last wipe).</summary>
    public bool HasPublished => _offsets.Values.Any(o => o > None);

    /// <summary>Topics with at least one acknowledged offset.</summary>
    public IEnumerable<string> PublishedTopics =>
        _offsets.Where(kv => kv.Value > None).Select(kv => kv.Key.Topic).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    public static async Task<OutboxAcknowledgedOffsets> LoadAsync(ICheckpointStore checkpoints, string relayName, IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        var offsets = new OutboxAcknowledgedOffsets(checkpoints, relayName);
        foreach (var topic in topics)
        {
            var count = (int)(await checkpoints.LoadAsync(offsets.PartitionsName(topic), cancellationToken) ?? 0);
            offsets._partitions[topic] = count;
            for (var partition = 0; partition < count; partition++)
            {
                var tp = new TopicPartition(topic, partition);
                offsets._offsets[tp] = await checkpoints.LoadAsync(offsets.OffsetName(tp), cancellationToken) ?? None;
            }
        }

        return offsets;
    }

    /// <summary>A partition of <paramref name="topic"/> that no longer holds the last record this relay had acknowledged there.</summary>
    public OutboxWipeEvidence? FindMissing(string topic, IReadOnlyDictionary<int, long> highWatermarks)
    {
        foreach (var (tp, acknowledged) in _offsets.Where(kv => kv.Key.Topic == topic && kv.Value > None).OrderBy(kv => kv.Key.Partition.Value))
        {
            // A missing partition (or topic) holds nothing: treat its high watermark as 0.
            var high = highWatermarks.TryGetValue(tp.Partition.Value, out var h) ? h : 0;
            if (high <= acknowledged)
            {
                return new OutboxWipeEvidence(tp.Topic, tp.Partition.Value, acknowledged, high, OutboxWipeSignal.HighWatermarkBelowAcknowledged);
            }
        }

        return null;
    }

    /// <summary>A new delivery at or below an offset acknowledged earlier: the partition's log went backwards.</summary>
    public OutboxWipeEvidence? FindRegression(IEnumerable<TopicPartitionOffset> delivered)
    {
        foreach (var position in delivered)
        {
            if (_offsets.TryGetValue(position.TopicPartition, out var acknowledged) && acknowledged > None && position.Offset.Value <= acknowledged)
            {
                return new OutboxWipeEvidence(position.Topic, position.Partition.Value, acknowledged, position.Offset.Value, OutboxWipeSignal.DeliveryBelowAcknowledged);
            }
        }

        return null;
    }

    /// <summary>Records the newest acknowledged offset per partition. Called before the checkpoint moves past those messages.</summary>
    public async Task AdvanceAsync(IEnumerable<TopicPartitionOffset> delivered, CancellationToken cancellationToken)
    {
        var newest = new Dictionary<TopicPartition, long>();
        foreach (var position in delivered)
        {
            var offset = position.Offset.Value;
            if (!newest.TryGetValue(position.TopicPartition, out var seen) || offset > seen)
            {
                newest[position.TopicPartition] = offset;
            }
        }

        var saves = new List<Task>();
        foreach (var (tp, offset) in newest)
        {
            var known = _partitions.GetValueOrDefault(tp.Topic);
            if (tp.Partition.Value + 1 > known)
            {
                _partitions[tp.Topic] = tp.Partition.Value + 1;
                saves.Add(_checkpoints.SaveAsync(PartitionsName(tp.Topic), tp.Partition.Value + 1, cancellationToken));
            }

            _offsets[tp] = offset;
            saves.Add(_checkpoints.SaveAsync(OffsetName(tp), offset, cancellationToken));
        }

        await Task.WhenAll(saves);
    }

    /// <summary>Forgets every acknowledged offset: after a wipe they describe a log that no longer exists.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        var saves = new List<Task>();
        foreach (var tp in _offsets.Keys.ToArray())
        {
            _offsets[tp] = None;
            saves.Add(_checkpoints.SaveAsync(OffsetName(tp), None, cancellationToken));
        }

        await Task.WhenAll(saves);
    }

    private string PartitionsName(string topic) => $"outbox-{_relayName}:partitions:{topic}";

    private string OffsetName(TopicPartition tp) =>
        string.Create(CultureInfo.InvariantCulture, $"outbox-{_relayName}:offset:{tp.Topic}:{tp.Partition.Value}");
}

public enum OutboxWipeSignal
{
    /// <summary>The partition's high watermark is at or below an offset the broker once acknowledged.</summary>
    HighWatermarkBelowAcknowledged,

    /// <summary>A new message was stored at or below an offset the broker once acknowledged.</summary>
    DeliveryBelowAcknowledged,
}

/// <summary>Why the relay concluded that the broker lost what it had published.</summary>
public sealed record OutboxWipeEvidence(string Topic, int Partition, long AcknowledgedOffset, long ObservedOffset, OutboxWipeSignal Signal)
{
    public override string ToString() => Signal == OutboxWipeSignal.HighWatermarkBelowAcknowledged
        ? $"{Topic}[{Partition}] ends at offset {ObservedOffset} but offset {AcknowledgedOffset} was acknowledged"
        : $"{Topic}[{Partition}] stored a new message at offset {ObservedOffset}, at or below the acknowledged offset {AcknowledgedOffset}";
}
