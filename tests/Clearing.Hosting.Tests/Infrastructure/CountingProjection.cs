using Clearing.EventSourcing;
using Clearing.ServiceDefaults.Operations;
using Microsoft.Extensions.Logging;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>A read model that counts the events it has seen: enough to watch a rebuild clear it and replay it.</summary>
public sealed class CountingProjection(IEventStore store, ILogger<CountingProjection> logger)
    : CatchUpProjection(store, logger, ProjectionName)
{
    public const string ProjectionName = "test-event-count";

    private long _count;
    private long _lastPosition;
    private int _clears;

    public long Count => Interlocked.Read(ref _count);

    public long LastPosition => Interlocked.Read(ref _lastPosition);

    public int Clears => Volatile.Read(ref _clears);

    protected override ValueTask HandleAsync(RecordedEvent recorded, CancellationToken cancellationToken)
    {
        // Idempotent by position, as the base class asks: a re-delivered event is not counted twice.
        if (recorded.GlobalPosition > Interlocked.Read(ref _lastPosition))
        {
            Interlocked.Increment(ref _count);
            Interlocked.Exchange(ref _lastPosition, recorded.GlobalPosition);
        }

        return ValueTask.CompletedTask;
    }

    protected override Task ClearAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _lastPosition, 0);
        Interlocked.Increment(ref _clears);
        return Task.CompletedTask;
    }
}
