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
/// Any acknowledged offset is evidence, not only the newest, so the stored one may lag the one in memory: it is written
/// when a partition is first acknowledged and then only on request (<see cref="AdvanceAsync"/>), which keeps the
/// relay's per-page cost at one checkpoint write. A restarted relay then compares against an older offset; an emptied
/// topic (high watermark 0) is caught either way.
/// </summary>
internal sealed class OutboxAcknowledgedOffsets
{
    private const long None = -1;

    private readonly ICheckpointStore _checkpoints;
    private readonly string _relayName;
    private readonly Dictionary<string, int> _partitions = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, long> _offsets = [];
    private readonly Dictionary<TopicPartition, long> _stored = [];

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
                var stored = await checkpoints.LoadAsync(offsets.OffsetName(tp), cancellationToken) ?? None;
                offsets._offsets[tp] = stored;
                offsets._stored[tp] = stored;
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

    /// <summary>
    /// Takes the newest acknowledged offset per partition. Stores those of partitions that have none stored yet, and all
    /// of them when <paramref name="storeAll"/>. Called before the checkpoint moves past those messages, so a stored
    /// checkpoint always has stored evidence for every partition its messages reached.
    /// </summary>
    public async Task AdvanceAsync(IEnumerable<TopicPartitionOffset> delivered, bool storeAll, CancellationToken cancellationToken)
    {
        var saves = new List<Task>();
        foreach (var position in delivered)
        {
            var tp = position.TopicPartition;
            if (position.Offset.Value > _offsets.GetValueOrDefault(tp, None))
            {
                _offsets[tp] = position.Offset.Value;
            }

            if (tp.Partition.Value + 1 > _partitions.GetValueOrDefault(tp.Topic))
            {
                _partitions[tp.Topic] = tp.Partition.Value + 1;
                saves.Add(_checkpoints.SaveAsync(PartitionsName(tp.Topic), tp.Partition.Value + 1, cancellationToken));
            }
        }

        var toStore = _offsets
            .Where(kv => kv.Value > _stored.GetValueOrDefault(kv.Key, None) && (storeAll || _stored.GetValueOrDefault(kv.Key, None) == None))
            .ToList();
        saves.AddRange(toStore.Select(kv => _checkpoints.SaveAsync(OffsetName(kv.Key), kv.Value, cancellationToken)));
        await Task.WhenAll(saves);
        foreach (var (tp, offset) in toStore)
        {
            _stored[tp] = offset;
        }
    }

    /// <summary>Forgets every acknowledged offset: after a wipe they describe a log that no longer exists.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        var partitions = _offsets.Keys.ToArray();
        await Task.WhenAll(partitions.Select(tp => _checkpoints.SaveAsync(OffsetName(tp), None, cancellationToken)));
        foreach (var tp in partitions)
        {
            _offsets[tp] = None;
            _stored[tp] = None;
        }
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
