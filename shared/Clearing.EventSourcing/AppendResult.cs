namespace Clearing.EventSourcing;

/// <summary>Where an append landed: the stream's new version and the global position of its last event.</summary>
public readonly record struct AppendResult(long NextExpectedVersion, long LastGlobalPosition);
