namespace Clearing.EventSourcing;

/// <summary>A serialized aggregate state as of <see cref="StreamVersion"/>; a cache, never the truth.</summary>
public sealed record Snapshot(string StreamId, long StreamVersion, string Type, int SchemaVersion, ReadOnlyMemory<byte> Data);

public interface ISnapshotStore
{
    Task SaveAsync(Snapshot snapshot, CancellationToken cancellationToken = default);

    Task<Snapshot?> LoadAsync(string streamId, CancellationToken cancellationToken = default);
}

/// <summary>Where a named subscription or projection has got to in $all (the last position it handled).</summary>
public interface ICheckpointStore
{
    Task<long?> LoadAsync(string name, CancellationToken cancellationToken = default);

    Task SaveAsync(string name, long position, CancellationToken cancellationToken = default);
}
