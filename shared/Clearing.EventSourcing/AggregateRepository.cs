using System.Collections.Concurrent;
using System.Text.Json;

namespace Clearing.EventSourcing;

/// <summary>How an aggregate is folded from its events (DESIGN.md §5): pure Evolve, no rules.</summary>
public sealed record AggregateDefinition<TState>(string Category, TState Initial, Func<TState, object, TState> Evolve)
{
    /// <summary>Write a snapshot when this many events accumulated past the last one; 0 turns snapshots off.</summary>
    public int SnapshotEvery { get; init; } = 200;

    /// <summary>Bump when TState's shape changes: older snapshots are then ignored and the stream is replayed.</summary>
    public int SnapshotSchemaVersion { get; init; } = 1;

    /// <summary>
    /// How many streams' latest state the repository keeps in memory; 0 turns the cache off. States must be immutable
    /// (every TState in this code base is a record of immutable collections): a cached state is shared by every caller.
    /// </summary>
    public int CacheCapacity { get; init; } = 10_000;
}

/// <summary>A loaded aggregate: its state and the version to expect on the next append.</summary>
public sealed record Loaded<TState>(TState State, long Version, long SnapshotVersion);

/// <summary>
/// Loads an aggregate from its latest snapshot plus the tail of its stream, runs a decision, and appends the
/// decided events with the version it loaded. On a concurrent writer it reloads and decides again.
/// </summary>
/// <remarks>
/// The state last loaded or written is kept in memory per stream, so a consumer that touches the same account on every
/// fill does not parse a snapshot and up to <see cref="AggregateDefinition{TState}.SnapshotEvery"/> events each time.
/// The cache is only a starting point: every load still reads the stream's tail after the cached version, so events
/// appended by another process (or straight to the store) are folded in, and a refused append drops the entry. A decision
/// starts from the cached state without that read, because its append states the cached version and is refused if the
/// stream moved; a decision of nothing is checked against a fresh load.
/// </remarks>
public sealed class AggregateRepository<TState>(IEventStore store, EventSerializer serializer, AggregateDefinition<TState> definition)
{
    private readonly string _snapshotType = $"{definition.Category}.snapshot.v{definition.SnapshotSchemaVersion}";
    private readonly ConcurrentDictionary<string, Loaded<TState>> _cache = new(StringComparer.Ordinal);
    private long _cacheHits;

    public string StreamIdOf(string id) => StreamName.For(definition.Category, id);

    /// <summary>Loads that started from the in-memory state instead of the snapshot store.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>
    /// The state this repository last loaded or wrote for <paramref name="id"/>, without reading the store (appends by
    /// another process since are not in it); null when none is held. Right after an <see cref="ExecuteAsync"/> that
    /// appended, it is the state that call wrote (or a newer one this repository loaded since).
    /// </summary>
    public Loaded<TState>? Cached(string id) =>
        definition.CacheCapacity > 0 && _cache.TryGetValue(StreamIdOf(id), out var cached) ? cached : null;

    public async Task<Loaded<TState>> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        var streamId = StreamIdOf(id);
        var state = definition.Initial;
        var version = -1L;
        long snapshotVersion;
        if (definition.CacheCapacity > 0 && _cache.TryGetValue(streamId, out var cached))
        {
            Interlocked.Increment(ref _cacheHits);
            (state, version, snapshotVersion) = (cached.State, cached.Version, cached.SnapshotVersion);
        }
        else
        {
            var snapshot = definition.SnapshotEvery > 0 ? await store.Snapshots.LoadAsync(streamId, cancellationToken) : null;
            if (snapshot is not null && snapshot.Type == _snapshotType)
            {
                state = JsonSerializer.Deserialize<TState>(snapshot.Data.Span, serializer.Options)!;
                version = snapshot.StreamVersion;
            }

            snapshotVersion = version;
        }

        await foreach (var e in store.ReadStreamAsync(streamId, ReadDirection.Forward, version + 1, int.MaxValue, cancellationToken))
        {
            state = definition.Evolve(state, serializer.Deserialize(e));
            version = e.StreamVersion;
        }

        var loaded = new Loaded<TState>(state, version, snapshotVersion);
        Remember(streamId, loaded);
        return loaded;
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
        var streamId = StreamIdOf(id);
        // The first attempt decides on the cached state without reading the stream's tail: the append's expected version
        // refuses it if anything was appended since, and then the next attempt decides on what the store holds. A decision
        // of nothing has no append to check it, so it is only believed from freshly loaded state.
        var optimistic = definition.CacheCapacity > 0;
        for (var attempt = 1; ; attempt++)
        {
            var cached = optimistic && _cache.TryGetValue(streamId, out var known) ? known : null;
            optimistic = false;
            if (cached is not null)
            {
                Interlocked.Increment(ref _cacheHits);
            }

            var fromCache = cached is not null;
            var loaded = cached ?? await LoadAsync(id, cancellationToken);
            var events = decide(loaded.State);
            if (events.Count == 0)
            {
                if (!fromCache)
                {
                    return events;
                }

                fromCache = false;
                loaded = await LoadAsync(id, cancellationToken);
                events = decide(loaded.State);
                if (events.Count == 0)
                {
                    return events;
                }
            }

            var data = events.Select(e => serializer.Serialize(e, correlationId, causationId)).ToList();
            AppendResult result;
            try
            {
                result = await store.AppendAsync(streamId, ExpectedVersion.From(loaded.Version), data, cancellationToken);
            }
            catch (WrongExpectedVersionException) when (attempt < maxAttempts || fromCache)
            {
                // Someone else appended first: their events may change the decision, so decide again — from the store,
                // in case the cached version is one the store no longer has. A cached start that missed them is not an attempt.
                _cache.TryRemove(streamId, out _);
                attempt -= fromCache ? 1 : 0;
                continue;
            }

            var written = new Loaded<TState>(events.Aggregate(loaded.State, definition.Evolve), result.NextExpectedVersion, loaded.SnapshotVersion);
            Remember(streamId, written);
            if (await SnapshotIfDueAsync(streamId, written, cancellationToken))
            {
                Remember(streamId, written with { SnapshotVersion = written.Version });
            }

            return events;
        }
    }

    private async Task<bool> SnapshotIfDueAsync(string streamId, Loaded<TState> written, CancellationToken cancellationToken)
    {
        if (definition.SnapshotEvery <= 0 || written.Version - written.SnapshotVersion < definition.SnapshotEvery)
        {
            return false;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(written.State, serializer.Options);
        await store.Snapshots.SaveAsync(new Snapshot(streamId, written.Version, _snapshotType, definition.SnapshotSchemaVersion, bytes), cancellationToken);
        return true;
    }

    /// <summary>Keeps the newest state seen for a stream; a full cache starts over rather than track recency on every load.</summary>
    private void Remember(string streamId, Loaded<TState> loaded)
    {
        if (definition.CacheCapacity <= 0)
        {
            return;
        }

        if (_cache.Count >= definition.CacheCapacity && !_cache.ContainsKey(streamId))
        {
            _cache.Clear();
        }

        _cache.AddOrUpdate(streamId, loaded, (_, known) => loaded.Version > known.Version || (loaded.Version == known.Version && loaded.SnapshotVersion > known.SnapshotVersion) ? loaded : known);
    }
}
