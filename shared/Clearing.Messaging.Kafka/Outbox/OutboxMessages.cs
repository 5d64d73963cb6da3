using System.Globalization;
using Clearing.EventSourcing;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>Builds and stamps the public message of a stored event.</summary>
public static class OutboxMessages
{
    /// <summary>A message for <paramref name="recorded"/> with every coordinate the relay would stamp already set.</summary>
    public static OutboundMessage For(RecordedEvent recorded, string topic, string key, string type, byte[] payload, string contentType = "application/protobuf") =>
        Stamp(
            new OutboundMessage
            {
                Topic = topic,
                Key = key,
                Type = type,
                Payload = payload,
                ContentType = contentType,
                SourceStream = recorded.StreamId,
                SourceSequence = recorded.StreamVersion,
            },
            recorded);

    /// <summary>
    /// The inbox key is (stream, version), so a republished event carries the same id and sequence as the first copy
    /// and every consumer recognises it; the time is when the event happened, not when it was (re)published.
    /// </summary>
    public static OutboundMessage Stamp(OutboundMessage message, RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recorded);
        return message with
        {
            SourceStream = recorded.StreamId,
            SourceSequence = recorded.StreamVersion,
            Id = IdOf(recorded),
            Time = recorded.Timestamp,
            CorrelationId = message.CorrelationId ?? recorded.CorrelationId?.ToString(),
            CausationId = message.CausationId ?? recorded.CausationId?.ToString(),
        };
    }

    /// <summary>The CloudEvents id of a stored event's public message: <c>{stream}:{version}</c>.</summary>
    public static string IdOf(RecordedEvent recorded) =>
        string.Create(CultureInfo.InvariantCulture, $"{recorded.StreamId}:{recorded.StreamVersion}");
}
