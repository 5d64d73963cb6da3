namespace Clearing.EventSourcing;

/// <summary>
/// The event store port. Adapters: SQLite (embedded default) and PostgreSQL; an EventStoreDB/KurrentDB adapter
/// would implement the same contract (its client is not served where this was built). Every adapter passes
/// the one contract suite in tests/Clearing.EventSourcing.Tests.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Appends all events atomically, or none. A mismatch throws <see cref="WrongExpectedVersionException"/>;
    /// appending an event id that is already stored at the same place is a no-op (idempotent retry).
    /// </summary>
    Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default);

    /// <summary>Reads one stream from <paramref name="fromVersion"/> (inclusive); backward from -1 means "from the end".</summary>
    IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount = int.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Reads $all forward from a global position (inclusive), optionally only streams of one category.</summary>
    IAsyncEnumerable<RecordedEvent> ReadAllAsync(long fromPosition, int maxCount, string? category = null, CancellationToken cancellationToken = default);

    /// <summary>The stream's current version, -1 when it does not exist.</summary>
    Task<long> GetStreamVersionAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>The global position of the newest event, 0 when the store is empty (positions start at 1).</summary>
    Task<long> GetHeadPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>Completes when events past <paramref name="afterPosition"/> may exist, or after <paramref name="timeout"/>.</summary>
    Task WaitForEventsAsync(long afterPosition, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Re-computes every hash chain; reports the first broken link in global order.</summary>
    Task<VerifyResult> VerifyAsync(string? streamId = null, CancellationToken cancellationToken = default);

    ISnapshotStore Snapshots { get; }

    ICheckpointStore Checkpoints { get; }
}
