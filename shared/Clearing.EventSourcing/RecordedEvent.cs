namespace Clearing.EventSourcing;

/// <summary>
/// An event as stored. <see cref="Hash"/> = SHA-256(previous event's hash in the same stream ‖ this event's
/// canonical bytes), so editing any stored field breaks the chain from that event on.
/// </summary>
public sealed record RecordedEvent(
    string StreamId,
    long StreamVersion,
    long GlobalPosition,
    Guid EventId,
    string Type,
    int SchemaVersion,
    ReadOnlyMemory<byte> Data,
    ReadOnlyMemory<byte> Metadata,
    DateTimeOffset Timestamp,
    Guid? CorrelationId,
    Guid? CausationId,
    ReadOnlyMemory<byte> PreviousHash,
    ReadOnlyMemory<byte> Hash)
{
    public string Category => StreamName.CategoryOf(StreamId);
}
