namespace Clearing.EventSourcing;

public sealed record SubscriptionOptions(string Name)
{
    /// <summary>Only streams of this category ("book", "account" …); null means every stream in $all.</summary>
    public string? Category { get; init; }

    public int PageSize { get; init; } = 512;

    /// <summary>How long a caught-up subscription sleeps when no commit wakes it (cross-process writers).</summary>
    public TimeSpan IdleWait { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// Catch-up then live: reads $all from the stored checkpoint, hands each event to the handler in global order,
/// stores the checkpoint after each event, then waits for commits. Positions are gap-free in every adapter
/// (one writer allocates them in commit order), so resuming at checkpoint + 1 skips nothing.
/// A hard crash between a handler and its checkpoint re-delivers that one event: handlers are idempotent by
/// <see cref="RecordedEvent.GlobalPosition"/> (DESIGN.md §6, inbox), and a handler that keeps its own
/// checkpoint in the same transaction as its effect passes its own <see cref="ICheckpointStore"/>.
/// </summary>
public static class EventSubscription
{
    public static async Task RunAsync(
        IEventStore store,
        SubscriptionOptions options,
        Func<RecordedEvent, CancellationToken, ValueTask> handler,
        CancellationToken cancellationToken,
        ICheckpointStore? checkpoints = null)
    {
        checkpoints ??= store.Checkpoints;
        var position = await checkpoints.LoadAsync(options.Name, cancellationToken) ?? 0;
        var page = new List<RecordedEvent>(options.PageSize);
        while (!cancellationToken.IsCancellationRequested)
        {
            page.Clear();
            await foreach (var e in store.ReadAllAsync(position + 1, options.PageSize, options.Category, cancellationToken))
            {
                page.Add(e);
            }

            foreach (var e in page)
            {
                await handler(e, cancellationToken);
                position = e.GlobalPosition;
                await checkpoints.SaveAsync(options.Name, position, CancellationToken.None);
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (page.Count < options.PageSize)
            {
                // A category subscription may be behind the global head: wait from the store's head instead.
                var waitFrom = options.Category is null ? position : Math.Max(position, await store.GetHeadPositionAsync(cancellationToken));
                await store.WaitForEventsAsync(waitFrom, options.IdleWait, cancellationToken);
            }
        }
    }
}
