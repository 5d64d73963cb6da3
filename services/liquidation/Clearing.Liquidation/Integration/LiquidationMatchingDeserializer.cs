using System.Text;
using Clearing.Contracts.Matching.V1;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;

namespace Clearing.Liquidation.Integration;

/// <summary>
/// Parses only the matching events liquidation acts on (<see cref="MatchingEventGateway.Concerns"/>): every fill, and a
/// cancellation or rejection whose payload holds the liquidation order-id prefix (a protobuf string field holds its
/// UTF-8 bytes verbatim, so a "liq-…" order id is found without parsing; a false match only costs the parse). Every
/// other event — most of the topic: orders accepted, rested, amended, cancelled — becomes <see cref="Skipped"/>, an
/// event with no body the gateway passes over, chosen by its CloudEvents type header.
/// </summary>
/// <remarks>A skipped payload is never parsed, so a malformed event of a skipped type is not dead-lettered here.</remarks>
public sealed class LiquidationMatchingDeserializer : IKafkaPayloadDeserializer<MatchingEvent>
{
    /// <summary>The types matching gives these events on clearing.matching.events.v1.</summary>
    public const string FillType = Clearing.Contracts.Matching.MatchingEventTypes.Fill;

    public const string CancelledType = Clearing.Contracts.Matching.MatchingEventTypes.OrderCancelled;

    public const string RejectedType = Clearing.Contracts.Matching.MatchingEventTypes.OrderRejected;

    public static readonly MatchingEvent Skipped = new();

    private static readonly byte[] LiquidationOrderPrefix = Encoding.UTF8.GetBytes(MatchingEventGateway.OrderIdPrefix);

    public MatchingEvent Deserialize(ReadOnlySpan<byte> payload, KafkaMessageMetadata metadata) =>
        MayConcern(payload, metadata.Type) ? MatchingEvent.Parser.ParseFrom(payload) : Skipped;

    private static bool MayConcern(ReadOnlySpan<byte> payload, string type) => type switch
    {
        FillType => true,
        CancelledType or RejectedType => payload.IndexOf(LiquidationOrderPrefix) >= 0,
        _ => false,
    };
}
