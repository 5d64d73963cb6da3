using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Matching.Application;
using Clearing.Messaging.Kafka;
using Google.Protobuf;

namespace Clearing.Matching.Integration;

/// <summary>
/// MatchingEvent → Kafka message on clearing.matching.events.v1, keyed by market. Everything in the message, headers
/// included, derives from the event (the CloudEvents id is "book-{market}:{sequence}", the time is the book's time),
/// so a republished event is byte-identical to the first publication.
/// </summary>
public static class MatchingEventsGateway
{
    public static OutboundMessage ToOutbound(MatchingEvent e) => new()
    {
        Topic = Topics.MatchingEvents,
        Key = e.Market,
        Type = TypeOf(e),
        Payload = e.ToByteArray(),
        SourceStream = BookStreams.For(e.Market),
        SourceSequence = e.Sequence,
        // An unknown market's rejection has no sequence; its id names the command so it stays unique.
        Id = e.Sequence > 0 ? null : $"{BookStreams.For(e.Market)}:rejected:{e.CommandId}",
        Time = DateTimeOffset.UnixEpoch.AddTicks(e.TimeUnixNanos / 100),
        CausationId = e.CommandId.Length > 0 ? e.CommandId : null,
    };

    public static string TypeOf(MatchingEvent e) => Clearing.Contracts.Matching.MatchingEventTypes.Of(e);
}
