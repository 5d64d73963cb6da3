namespace Clearing.EventSourcing;

/// <summary>The store could not complete a write or read (I/O, connection); the operation had no effect.</summary>
public sealed class EventStoreUnavailableException(string message, Exception inner) : Exception(message, inner);
