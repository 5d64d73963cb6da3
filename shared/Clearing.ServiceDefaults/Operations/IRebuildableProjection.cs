namespace Clearing.ServiceDefaults.Operations;

/// <summary>A read model that can be thrown away and rebuilt from the event store (the Replay.RebuildProjection endpoint).</summary>
public interface IRebuildableProjection
{
    /// <summary>Unique within the service; also the projection's checkpoint name.</summary>
    string Name { get; }

    /// <summary>Stops the projection, clears its read model, sets its checkpoint to the start, and lets it catch up again.</summary>
    /// <returns>The $all position the projection had reached before the reset.</returns>
    Task<long> RebuildAsync(CancellationToken cancellationToken);
}
