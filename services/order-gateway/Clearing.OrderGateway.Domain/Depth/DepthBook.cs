using Clearing.OrderGateway.Domain.Commands;

namespace Clearing.OrderGateway.Domain.Depth;

/// <summary>One price level: total resting quantity and how many orders make it up. Quantity 0 in a delta removes it.</summary>
public readonly record struct DepthLevel(decimal Price, decimal Quantity, int Orders);

/// <summary>What one matching event does to resting orders, reduced to what depth needs.</summary>
public abstract record DepthInput
{
    /// <summary>An order rests (new, or re-entering after a price change) with this remaining quantity.</summary>
    public sealed record Rested(string AccountId, string OrderId, OrderSide Side, decimal Price, decimal Remaining) : DepthInput;

    /// <summary>A fill left an order (maker or taker) with this much; 0 takes it off the book. Unknown orders are ignored.</summary>
    public sealed record Reduced(string AccountId, string OrderId, decimal Quantity) : DepthInput;

    /// <summary>Cancelled, expired or otherwise gone.</summary>
    public sealed record Removed(string AccountId, string OrderId) : DepthInput;

    /// <summary>
    /// An amend. Kept priority: same price, new quantity in place. Lost priority: the order leaves its level and
    /// re-enters the book, which matching reports as fills and then Rested, so here it is only removed.
    /// </summary>
    public sealed record Amended(string AccountId, string OrderId, decimal Price, decimal Quantity, bool KeptPriority) : DepthInput;

    /// <summary>The market expired: every resting order is cancelled.</summary>
    public sealed record Cleared : DepthInput;
}

/// <summary>A depth change: the levels whose totals moved, under the next gap-free <see cref="Sequence"/>.</summary>
public sealed record DepthDelta(long Sequence, long MatchingSequence, IReadOnlyList<DepthLevel> Bids, IReadOnlyList<DepthLevel> Asks);

public sealed record DepthSnapshot(long Sequence, long MatchingSequence, IReadOnlyList<DepthLevel> Bids, IReadOnlyList<DepthLevel> Asks);

/// <summary>
/// Level-2 depth of one market, rebuilt from matching's events (rested, fill, cancel, amend carry remaining sizes).
/// Every event that changes at least one level yields one <see cref="DepthDelta"/> with the next sequence, so a
/// subscriber that misses a delta sees a jump and knows to take a new snapshot. Not thread-safe: one writer.
/// </summary>
public sealed class DepthBook(string market)
{
    private readonly Dictionary<(string Account, string Order), (OrderSide Side, decimal Price, decimal Remaining)> _orders = [];
    private readonly SortedDictionary<decimal, (decimal Quantity, int Orders)> _bids = new(Comparer<decimal>.Create((a, b) => b.CompareTo(a)));
    private readonly SortedDictionary<decimal, (decimal Quantity, int Orders)> _asks = new();

    // The levels one event touched: one set reused by the single writer instead of one per event.
    private readonly HashSet<(OrderSide Side, decimal Price)> _touched = [];

    public string Market { get; } = market;

    public long Sequence { get; private set; }

    public long MatchingSequence { get; private set; }

    public int RestingOrders => _orders.Count;

    /// <summary>Applies what one matching event did; null when no level changed (the sequence then does not move).</summary>
    public DepthDelta? Apply(long matchingSequence, IReadOnlyList<DepthInput> inputs) =>
        Change(matchingSequence, inputs) ? new DepthDelta(Sequence, MatchingSequence, LevelsOf(OrderSide.Buy, _touched), LevelsOf(OrderSide.Sell, _touched)) : null;

    /// <summary>
    /// <see cref="Apply"/> without describing the change: the book and <see cref="Sequence"/> move exactly as there, but
    /// no delta is built. For a book nobody subscribes to, where every delta was built only to be dropped.
    /// </summary>
    public bool ApplyWithoutDelta(long matchingSequence, IReadOnlyList<DepthInput> inputs) => Change(matchingSequence, inputs);

    /// <summary>Applies the inputs, collecting the levels they touched in <see cref="_touched"/>; true (and the next sequence) when any level changed.</summary>
    private bool Change(long matchingSequence, IReadOnlyList<DepthInput> inputs)
    {
        MatchingSequence = Math.Max(MatchingSequence, matchingSequence);
        var touched = _touched;
        touched.Clear();
        foreach (var input in inputs)
        {
            switch (input)
            {
                case DepthInput.Rested r:
                    Remove((r.AccountId, r.OrderId), touched);
                    if (r.Remaining > 0)
                    {
                        Add((r.AccountId, r.OrderId), r.Side, r.Price, r.Remaining, touched);
                    }

                    break;
                case DepthInput.Reduced r when _orders.TryGetValue((r.AccountId, r.OrderId), out var order):
                    Remove((r.AccountId, r.OrderId), touched);
                    if (r.Quantity > 0)
                    {
                        Add((r.AccountId, r.OrderId), order.Side, order.Price, r.Quantity, touched);
                    }

                    break;
                case DepthInput.Removed r:
                    Remove((r.AccountId, r.OrderId), touched);
                    break;
                case DepthInput.Amended a when _orders.TryGetValue((a.AccountId, a.OrderId), out var order):
                    Remove((a.AccountId, a.OrderId), touched);
                    if (a.KeptPriority && a.Quantity > 0)
                    {
                        Add((a.AccountId, a.OrderId), order.Side, order.Price, a.Quantity, touched);
                    }

                    break;
                case DepthInput.Cleared:
                    foreach (var key in _orders.Keys.ToList())
                    {
                        Remove(key, touched);
                    }

                    break;
            }
        }

        if (touched.Count == 0)
        {
            return false;
        }

        Sequence++;
        return true;
    }

    /// <summary>The whole book (or the best <paramref name="depth"/> levels per side; 0 = all) as of <see cref="Sequence"/>.</summary>
    public DepthSnapshot Snapshot(int depth = 0)
    {
        var take = depth <= 0 ? int.MaxValue : depth;
        return new DepthSnapshot(Sequence, MatchingSequence,
            _bids.Take(take).Select(l => new DepthLevel(l.Key, l.Value.Quantity, l.Value.Orders)).ToList(),
            _asks.Take(take).Select(l => new DepthLevel(l.Key, l.Value.Quantity, l.Value.Orders)).ToList());
    }

    private List<DepthLevel> LevelsOf(OrderSide side, HashSet<(OrderSide Side, decimal Price)> touched)
    {
        var levels = side == OrderSide.Buy ? _bids : _asks;
        var changed = touched.Where(t => t.Side == side).Select(t => t.Price).ToList();
        changed.Sort();
        if (side == OrderSide.Buy)
        {
            changed.Reverse();
        }

        return changed.Select(p => levels.TryGetValue(p, out var l) ? new DepthLevel(p, l.Quantity, l.Orders) : new DepthLevel(p, 0m, 0)).ToList();
    }

    private void Add((string, string) key, OrderSide side, decimal price, decimal remaining, HashSet<(OrderSide, decimal)> touched)
    {
        _orders[key] = (side, price, remaining);
        var levels = side == OrderSide.Buy ? _bids : _asks;
        levels[price] = levels.TryGetValue(price, out var level) ? (level.Quantity + remaining, level.Orders + 1) : (remaining, 1);
        touched.Add((side, price));
    }

    private void Remove((string, string) key, HashSet<(OrderSide, decimal)> touched)
    {
        if (!_orders.Remove(key, out var order))
        {
            return;
        }

        var levels = order.Side == OrderSide.Buy ? _bids : _asks;
        var level = levels[order.Price];
        if (level.Orders == 1)
        {
            levels.Remove(order.Price);
        }
        else
        {
            levels[order.Price] = (level.Quantity - order.Remaining, level.Orders - 1);
        }

        touched.Add((order.Side, order.Price));
    }
}
