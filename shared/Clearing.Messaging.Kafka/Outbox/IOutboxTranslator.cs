using Clearing.EventSourcing;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>
/// The service's edge between its private stored events and its public contracts (DESIGN.md §4). The relay hands it
/// every stored event in global order that <see cref="StoredTypes"/> lets through, and publishes whatever it returns.
/// </summary>
public interface IOutboxTranslator
{
    /// <summary>
    /// Every topic <see cref="Translate"/> may route to. The relay watches exactly these for a broker wipe, so a
    /// message for an undeclared topic stops the relay with an error instead of going out unwatched.
    /// </summary>
    IReadOnlyCollection<string> Topics { get; }

    /// <summary>
    /// The public message for a stored event, or null for a private event that is never published. Must be pure and
    /// deterministic: after a crash or a broker wipe the same event is translated again and must give the same message.
    /// The relay owns the inbox coordinates: it sets SourceStream, SourceSequence, Id and Time from the event (and the
    /// correlation and causation ids when the translator leaves them empty), so <see cref="OutboxMessages.For"/> is the
    /// easiest way to build the result.
    /// </summary>
    OutboundMessage? Translate(RecordedEvent recorded);

    /// <summary>
    /// The stored event types <see cref="Translate"/> may publish (<see cref="EventTypeFilter.Only"/>), or those it never
    /// publishes (<see cref="EventTypeFilter.Except"/>); default: all. The relay leaves every other type in the store
    /// unread, so a service whose store is mostly private events (positions kept per fill, inbox markers, settlement's
    /// epoch inputs) does not read and decode each of them to publish nothing. A type left out by mistake is never
    /// published: each translator's tests hold every type it leaves out to null.
    /// </summary>
    EventTypeFilter StoredTypes => EventTypeFilter.All;
}
