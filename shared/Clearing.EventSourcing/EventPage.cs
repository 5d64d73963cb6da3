namespace Clearing.EventSourcing;

/// <summary>
/// One page of $all read by <see cref="IEventStore.ReadAllPageAsync"/>: the events handed over, and how far the read got.
/// Every event up to <see cref="CoveredTo"/> that the read did not skip is in <see cref="Events"/>, so a reader may move its
/// checkpoint to <see cref="CoveredTo"/> even when the page is empty.
/// </summary>
/// <param name="Events">The events, in global order, at most the page size.</param>
/// <param name="CoveredTo">The last global position the read accounted for: the head when the page is not full, else the last event's position.</param>
/// <param name="Head">The store's head position, read before the page.</param>
public sealed record EventPage(IReadOnlyList<RecordedEvent> Events, long CoveredTo, long Head)
{
    /// <summary>True when nothing after <see cref="CoveredTo"/> was committed at the time of the read.</summary>
    public bool CaughtUp => CoveredTo >= Head;

    /// <summary>
    /// The page read through <see cref="IEventStore.ReadAllAsync"/> and filtered in memory: for adapters that cannot skip in the
    /// query. Reads chunks until the page is full or the head is reached, so the result is the one a filtering query gives.
    /// </summary>
    public static async Task<EventPage> ReadFilteringAsync(IEventStore store, long fromPosition, int maxCount, string? category,
        EventTypeFilter types, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        ArgumentNullException.ThrowIfNull(types);
        // The head first: every event at or below it is committed, so reading up to it sees a settled range.
        var head = await store.GetHeadPositionAsync(cancellationToken);
        var events = new List<RecordedEvent>(Math.Min(maxCount, 1024));
        var next = fromPosition;
        while (next <= head)
        {
            var read = 0;
            await foreach (var recorded in store.ReadAllAsync(next, maxCount, category, cancellationToken))
            {
                if (recorded.GlobalPosition > head)
                {
                    return new EventPage(events, head, head);
                }

                read++;
                next = recorded.GlobalPosition + 1;
                if (!types.Matches(recorded.Type))
                {
                    continue;
                }

                events.Add(recorded);
                if (events.Count == maxCount)
                {
                    return new EventPage(events, recorded.GlobalPosition, head);
                }
            }

            if (read < maxCount)
            {
                break;
            }
        }

        return new EventPage(events, Math.Max(head, fromPosition - 1), head);
    }
}
