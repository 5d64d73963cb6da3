namespace Clearing.EventSourcing;

/// <summary>An append carried an event the store refuses (its data is not a JSON document); nothing of it was written.</summary>
public sealed class InvalidEventException(string streamId, string detail)
    : Exception($"Stream '{streamId}': an event in this append was refused ({detail}); nothing was written.")
{
    public string StreamId { get; } = streamId;
}
