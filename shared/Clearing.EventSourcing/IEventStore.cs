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

    /// <summary>
    /// Reads the next page of $all from <paramref name="fromPosition"/> (inclusive), optionally of one category, of the
    /// event types <paramref name="types"/> lets through; the others are never read into memory: for a reader to whom most
    /// events are nothing (an outbox relay over a store of private events). <see cref="EventPage.CoveredTo"/> tells how far the
    /// read got, so a range of left-out events still moves the reader on.
    /// </summary>
    Task<EventPage> ReadAllPageAsync(long fromPosition, int maxCount, string? category, EventTypeFilter types, CancellationToken cancellationToken = default) =>
        EventPage.ReadFilteringAsync(this, fromPosition, maxCount, category, types, cancellationToken);

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
