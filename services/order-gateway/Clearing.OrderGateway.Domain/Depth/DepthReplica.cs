namespace Clearing.OrderGateway.Domain.Depth;

/// <summary>The result of applying a delta to a replica.</summary>
public enum DeltaResult
{
    Applied,

    /// <summary>Older than the replica (a repeat): ignored.</summary>
    Stale,

    /// <summary>A sequence was skipped: the replica is no longer trustworthy; take a new snapshot.</summary>
    Gap,

    /// <summary>No snapshot yet.</summary>
    NeedsSnapshot,
}

/// <summary>
/// A subscriber's copy of one market's depth: a snapshot, then deltas in sequence. What a client SDK does, and what
/// the tests use to prove a gap is detectable. After <see cref="DeltaResult.Gap"/> it refuses deltas until a new snapshot.
/// </summary>
public sealed class DepthReplica
{
    private readonly SortedDictionary<decimal, DepthLevel> _bids = new(Comparer<decimal>.Create((a, b) => b.CompareTo(a)));
    private readonly SortedDictionary<decimal, DepthLevel> _asks = new();

    public long? Sequence { get; private set; }

    public IEnumerable<DepthLevel> Bids => _bids.Values;

    public IEnumerable<DepthLevel> Asks => _asks.Values;

    public void Reset(DepthSnapshot snapshot)
    {
        _bids.Clear();
        _asks.Clear();
        Merge(snapshot.Bids, snapshot.Asks);
        Sequence = snapshot.Sequence;
    }

    public DeltaResult Apply(DepthDelta delta)
    {
        if (Sequence is not { } last)
        {
            return DeltaResult.NeedsSnapshot;
        }

        if (delta.Sequence <= last)
        {
            return DeltaResult.Stale;
        }

        if (delta.Sequence != last + 1)
        {
            Sequence = null;
            return DeltaResult.Gap;
        }

        Merge(delta.Bids, delta.Asks);
        Sequence = delta.Sequence;
        return DeltaResult.Applied;
    }

    private void Merge(IReadOnlyList<DepthLevel> bids, IReadOnlyList<DepthLevel> asks)
    {
        Merge(_bids, bids);
        Merge(_asks, asks);
    }

    private static void Merge(SortedDictionary<decimal, DepthLevel> side, IReadOnlyList<DepthLevel> levels)
    {
        foreach (var level in levels)
        {
            if (level.Quantity == 0)
            {
                side.Remove(level.Price);
            }
            else
            {
                side[level.Price] = level;
            }
        }
    }
}
