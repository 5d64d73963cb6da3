namespace Clearing.EventSourcing;

/// <summary>
/// Walks $all in global order and re-checks every stream's chain: versions contiguous from 0, each event's
/// stored previous hash equal to its predecessor's hash, and each stored hash equal to the recomputed one.
/// Shared by every adapter so "verified" means the same thing everywhere.
/// </summary>
public static class ChainVerifier
{
    public static async Task<VerifyResult> VerifyAsync(IEventStore store, string? streamId, CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, (long Version, byte[] Hash)>(StringComparer.Ordinal);
        long checkedEvents = 0;
        var events = streamId is null
            ? ReadEverything(store, cancellationToken)
            : store.ReadStreamAsync(streamId, ReadDirection.Forward, 0, int.MaxValue, cancellationToken);

        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            checkedEvents++;
            var (expectedVersion, previous) = heads.TryGetValue(e.StreamId, out var head)
                ? (head.Version + 1, head.Hash)
                : (0L, EventHashing.Genesis.ToArray());

            var broken = Check(e, expectedVersion, previous);
            if (broken is not null)
            {
                return new VerifyResult(checkedEvents, heads.Count, broken);
            }

            heads[e.StreamId] = (e.StreamVersion, e.Hash.ToArray());
        }

        return new VerifyResult(checkedEvents, heads.Count, null);
    }

    private static BrokenLink? Check(RecordedEvent e, long expectedVersion, byte[] previous)
    {
        if (e.StreamVersion != expectedVersion)
        {
            return new BrokenLink(e.StreamId, e.StreamVersion, e.GlobalPosition,
                $"version {e.StreamVersion} follows {expectedVersion - 1}: an event is missing or was inserted");
        }

        if (!e.PreviousHash.Span.SequenceEqual(previous))
        {
            return new BrokenLink(e.StreamId, e.StreamVersion, e.GlobalPosition,
                "stored previous hash differs from the predecessor's hash: the predecessor was edited or replaced");
        }

        var recomputed = EventHashing.Recompute(e, previous);
        return e.Hash.Span.SequenceEqual(recomputed)
            ? null
            : new BrokenLink(e.StreamId, e.StreamVersion, e.GlobalPosition,
                "stored hash differs from the hash of the stored fields: the event was edited");
    }

    private static async IAsyncEnumerable<RecordedEvent> ReadEverything(
        IEventStore store, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int page = 4096;
        long from = 1;
        while (true)
        {
            var any = false;
            await foreach (var e in store.ReadAllAsync(from, page, null, cancellationToken))
            {
                any = true;
                from = e.GlobalPosition + 1;
                yield return e;
            }

            if (!any)
            {
                yield break;
            }
        }
    }
}
