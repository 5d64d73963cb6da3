using Clearing.Contracts.Matching.V1;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;

namespace Clearing.Settlement.Integration;

/// <summary>
/// Parses a matching event only when its CloudEvents type says it is a fill: settlement counts fills toward the fee
/// tiers and nothing else on the topic, which carries several other events per order (accepted, rested, cancelled…).
/// Any other type becomes <see cref="Skipped"/>, an event with no body that <see cref="FillVolumeHandler"/> ignores.
/// </summary>
/// <remarks>A skipped payload is never parsed, so a malformed non-fill event is not dead-lettered here.</remarks>
public sealed class FillPayloadDeserializer : IKafkaPayloadDeserializer<MatchingEvent>
{
    /// <summary>The type matching gives a fill on clearing.matching.events.v1.</summary>
    public const string FillType = Clearing.Contracts.Matching.MatchingEventTypes.Fill;

    public static readonly MatchingEvent Skipped = new();

    public MatchingEvent Deserialize(ReadOnlySpan<byte> payload, KafkaMessageMetadata metadata) =>
        string.Equals(metadata.Type, FillType, StringComparison.Ordinal) ? MatchingEvent.Parser.ParseFrom(payload) : Skipped;
}
