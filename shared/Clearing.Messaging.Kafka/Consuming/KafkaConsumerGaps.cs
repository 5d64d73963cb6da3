using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Clearing.Messaging.Kafka.Consuming;

/// <summary>
/// A partition a consumer stopped reading because the offset it had to read next is no longer on the broker: the
/// records between its position and the log start were deleted (retention, or the embedded broker's 5 MiB / 100k
/// message-set cap per partition) before it read them. The consumer never skips them; an operator must re-publish them
/// from the source's event store (<c>clearing replay --service &lt;writer&gt; --republish</c>) or rebuild the consumer's state.
/// </summary>
public sealed record ConsumerGap(
    string Consumer,
    string GroupId,
    string Topic,
    int Partition,
    long WantedOffset,
    long LogStart,
    long LogEnd,
    DateTimeOffset DetectedAt)
{
    /// <summary>
    /// Offsets deleted before the consumer read them: an upper bound on lost records, since a transactional topic's
    /// offsets include control records. Zero when the wanted offset lies beyond the log end (the topic was recreated
    /// or the broker wiped while the group's offsets survived), which is no loss of records but still not a position
    /// the consumer can trust.
    /// </summary>
    public long LostOffsets => WantedOffset < LogStart ? LogStart - WantedOffset : 0;

    /// <summary>False when the broker's watermarks could not be read at detection (both are then -1001).</summary>
    public bool WatermarksKnown => LogStart >= 0 && LogEnd >= 0;

    public string Describe() =>
        !WatermarksKnown
            ? $"{Consumer} (group {GroupId}) stopped reading {Topic} [{Partition}]: the broker refused offset {WantedOffset} as out of range and its watermarks could not be read. " +
              "Check the topic's log start; if records were deleted, re-publish them from the writer's event store (clearing replay --service <that service> --republish) and restart this service."
        : WantedOffset < LogStart
            ? $"{Consumer} (group {GroupId}) stopped reading {Topic} [{Partition}]: it must read offset {WantedOffset} next, but the broker's log starts at {LogStart} " +
              $"(end {LogEnd}), so up to {LostOffsets} offset(s) were deleted before this consumer read them. It will not skip them. " +
              $"Re-publish the missing range from the event store of the service that writes {Topic} (clearing replay --service <that service> --republish --from <version>), " +
              "or rebuild this service's state from the sources; then restart it. To prevent it: raise the topic's retention (a real cluster), or keep the load within what this consumer sustains (the embedded broker keeps at most 5 MiB or 100,000 message sets per partition)."
            : $"{Consumer} (group {GroupId}) stopped reading {Topic} [{Partition}]: its committed offset {WantedOffset} is beyond the broker's log ({LogStart}..{LogEnd}); " +
              "the topic was recreated or the broker wiped while the group's offsets survived. Reset the group's offsets deliberately (the inbox skips what was applied) and restart it.";
}

/// <summary>
/// Every <see cref="ConsumerGap"/> of this process, for the health check and metrics. One per process (DI singleton):
/// a gap is sticky until the process restarts, because only an operator's repair makes that partition readable again.
/// </summary>
public sealed class KafkaConsumerGaps
{
    public const string MeterName = "Clearing.Messaging.Consumer";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Detected = Meter.CreateCounter<long>(
        "clearing.kafka.consumer.gaps", "{partition}", "Partitions a consumer stopped reading because records it had not read were deleted");

    private readonly ConcurrentDictionary<(string GroupId, string Topic, int Partition), ConsumerGap> _gaps = new();

    /// <summary>Gaps found so far, in the order of topic and partition.</summary>
    public IReadOnlyList<ConsumerGap> Current =>
        _gaps.Values.OrderBy(g => g.Topic, StringComparer.Ordinal).ThenBy(g => g.Partition).ThenBy(g => g.GroupId, StringComparer.Ordinal).ToList();

    public bool Any => !_gaps.IsEmpty;

    /// <summary>Records a gap; returns false when this group's partition was already recorded (a rebalance hit it again).</summary>
    public bool Report(ConsumerGap gap)
    {
        ArgumentNullException.ThrowIfNull(gap);
        if (!_gaps.TryAdd((gap.GroupId, gap.Topic, gap.Partition), gap))
        {
            return false;
        }

        Detected.Add(1, new KeyValuePair<string, object?>("consumer", gap.Consumer), new KeyValuePair<string, object?>("topic", gap.Topic));
        return true;
    }
}
