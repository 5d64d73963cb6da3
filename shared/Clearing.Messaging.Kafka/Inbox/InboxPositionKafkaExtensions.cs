using Clearing.Primitives.Inbox;

namespace Clearing.Messaging.Kafka.Inbox;

/// <summary>The inbox keyed by a consumed message's envelope (<c>clearing-source-stream</c>, <c>clearing-source-seq</c>).</summary>
public static class InboxPositionKafkaExtensions
{
    public static InboxVerdict Check(this InboxPosition position, KafkaMessageMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(metadata);
        return position.Check(metadata.SourceStream, metadata.SourceSequence);
    }

    public static bool ShouldApply(this InboxPosition position, KafkaMessageMetadata metadata) =>
        position.Check(metadata) == InboxVerdict.Apply;

    public static InboxPosition Record(this InboxPosition position, KafkaMessageMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(metadata);
        return position.Record(metadata.SourceStream, metadata.SourceSequence);
    }
}
