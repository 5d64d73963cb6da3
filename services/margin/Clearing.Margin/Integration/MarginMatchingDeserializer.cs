using Clearing.Contracts.Matching.V1;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;

namespace Clearing.Margin.Integration;

/// <summary>
/// Parses the matching events margin books — fills — and leaves the rest of the topic (orders accepted, rested,
/// cancelled…, most of its messages) unparsed: an event whose CloudEvents type is one of matching's non-fill types
/// (MatchingEventTypes) becomes <see cref="Skipped"/>, a body-less event <see cref="MatchingFillGateway"/>
/// passes over exactly as it passed over the parsed ones. A fill, and any type not listed here (none, or a new one),
/// is parsed, so a renamed type costs a parse, never a fill.
/// </summary>
/// <remarks>A skipped payload is never parsed, so a malformed event of a non-fill type is no longer dead-lettered here.</remarks>
public sealed class MarginMatchingDeserializer : IKafkaPayloadDeserializer<MatchingEvent>
{
    /// <summary>Matching's CloudEvents types of every event that is not a fill.</summary>
    public static readonly IReadOnlySet<string> NonFillTypes = Clearing.Contracts.Matching.MatchingEventTypes.NonFill;

    public static readonly MatchingEvent Skipped = new();

    public MatchingEvent Deserialize(ReadOnlySpan<byte> payload, KafkaMessageMetadata metadata) =>
        metadata.Type is { } type && NonFillTypes.Contains(type) ? Skipped : MatchingEvent.Parser.ParseFrom(payload);
}
