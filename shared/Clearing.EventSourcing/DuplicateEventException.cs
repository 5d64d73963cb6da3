namespace Clearing.EventSourcing;

/// <summary>An append carried an event id that is already stored in another place; nothing was written.</summary>
public sealed class DuplicateEventException(string streamId, string detail)
    : Exception($"Stream '{streamId}': an event id in this append is already stored elsewhere ({detail}).")
{
    public string StreamId { get; } = streamId;
}
