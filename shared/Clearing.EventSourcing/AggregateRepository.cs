using System.Text.Json;

namespace Clearing.EventSourcing;

/// <summary>How an aggregate is folded from its events (DESIGN.md §5): pure Evolve, no rules.</summary>
public sealed record AggregateDefinition<TState>(string Category, TState Initial, Func<TState, object, TState> Evolve)
{
    /// <summary>Write a snapshot when this many events accumulated past the last one; 0 turns snapshots off.</summary>
    public int SnapshotEvery { get; init; } = 200;

    /// <summary>Bump when TState's shape changes: older snapshots are then ignored and the stream is replayed.</summary>
    public int SnapshotSchemaVersion { get; init; } = 1;
}

/// <summary>A loaded aggregate: its state and the version to expect on the next append.</summary>
public sealed record Loaded<TState>(TState State, long Version, long SnapshotVersion);

/// <summary>
/// Loads an aggregate from its latest snapshot plus the tail of its stream, runs a decision, and appends the
/// decided events with the version it loaded. On a concurrent writer it reloads and decides again.
/// </summary>
public sealed class AggregateRepository<TState>(IEventStore store, EventSerializer serializer, AggregateDefinition<TState> definition)
{
    private readonly string _snapshotType = $"{definition.Category}.snapshot.v{definition.SnapshotSchemaVersion}";

    public string StreamIdOf(string id) => StreamName.For(definition.Category, id);

    public async Task<Loaded<TState>> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        var streamId = StreamIdOf(id);
        var state = definition.Initial;
        var version = -1L;
        var snapshot = definition.SnapshotEvery > 0 ? await store.Snapshots.LoadAsync(streamId, cancellationToken) : null;
        if (snapshot is not null && snapshot.Type == _snapshotType)
        {
            state = JsonSerializer.Deserialize<TState>(snapshot.Data.Span, serializer.Options)!;
            version = snapshot.StreamVersion;
        }

        var snapshotVersion = version;
        await foreach (var e in store.ReadStreamAsync(streamId, ReadDirection.Forward, version + 1, int.MaxValue, cancellationToken))
        {
            state = definition.Evolve(state, serializer.Deserialize(e));
            version = e.StreamVersion;
        }

        return new Loaded<TState>(state, version, snapshotVersion);
    }

    /// <summary>
    /// Decides against fresh state and appends. Returns the decided events (empty when the decision changed nothing).
    /// Domain refusals are exceptions thrown by <paramref name="decide"/> and leave the stream untouched.
    /// </summary>
    public async Task<IReadOnlyList<object>> ExecuteAsync(
        string id,
        Func<TState, IReadOnlyList<object>> decide,
        Guid? correlationId = null,
        Guid? causationId = null,
        int maxAttempts = 5,
        CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var loaded = await LoadAsync(id, cancellationToken);
            var events = decide(loaded.State);
            if (events.Count == 0)
            {
                return events;
            }

            var data = events.Select(e => serializer.Serialize(e, correlationId, causationId)).ToList();
            try
            {
                var result = await store.AppendAsync(StreamIdOf(id), ExpectedVersion.From(loaded.Version), data, cancellationToken);
                await SnapshotIfDueAsync(id, loaded, events, result.NextExpectedVersion, cancellationToken);
                return events;
            }
            catch (WrongExpectedVersionException) when (attempt < maxAttempts)
            {
                // Someone else appended first: their events may change the decision, so decide again.
            }
        }
    }

    private async Task SnapshotIfDueAsync(string id, Loaded<TState> loaded, IReadOnlyList<object> events, long newVersion, CancellationToken cancellationToken)
    {
        if (definition.SnapshotEvery <= 0 || newVersion - loaded.SnapshotVersion < definition.SnapshotEvery)
        {
            return;
        }

        var state = events.Aggregate(loaded.State, definition.Evolve);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(state, serializer.Options);
        await store.Snapshots.SaveAsync(new Snapshot(StreamIdOf(id), newVersion, _snapshotType, definition.SnapshotSchemaVersion, bytes), cancellationToken);
    }
}
