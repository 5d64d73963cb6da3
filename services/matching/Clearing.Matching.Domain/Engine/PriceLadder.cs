using System.Numerics;
using System.Runtime.CompilerServices;

namespace Clearing.Matching.Domain;

/// <summary>
/// The price levels of one book side. Levels priced inside a window [Base, Base + Span) live in a direct-indexed
/// array (level index + 1, 0 = empty) with a two-level occupancy bitmap: finding, adding and removing a level is
/// O(1), the best price is cached, and the next best after the best empties is a couple of bit scans away. Prices
/// outside the window — an outlier bid far below the market — go to a small sorted overflow array, so any price
/// works. The window re-centres (and grows, up to its maximum span) when a price lands outside it and the prices
/// in use still fit; its arrays come from a spare set, so only growth allocates.
/// </summary>
internal sealed class PriceLadder
{
    private const int MinSpan = 64;
    private const int InitialSpan = 4096;

    public readonly bool IsBid;
    private readonly int _maxSpan;
    private readonly BookSide _far;
    private int[] _slots;
    private ulong[] _bits;
    private ulong[] _summary;
    private int[] _spareSlots;
    private ulong[] _spareBits;
    private ulong[] _spareSummary;
    private long _base;
    private int _span;
    private int _nearCount;
    private long _nearBest;

    public PriceLadder(bool isBid, int maxSpan)
    {
        IsBid = isBid;
        _maxSpan = Math.Max(MinSpan, (int)BitOperations.RoundUpToPowerOf2((uint)maxSpan));
        _far = new BookSide(isBid, 16);
        _span = Math.Min(InitialSpan, _maxSpan);
        (_slots, _bits, _summary) = Allocate(_span);
        (_spareSlots, _spareBits, _spareSummary) = Allocate(_span);
    }

    /// <summary>Number of price levels on this side.</summary>
    public int Count => _nearCount + _far.Count;

    private static (int[], ulong[], ulong[]) Allocate(int span) => (new int[span], new ulong[span / 64], new ulong[Math.Max(1, span / 4096)]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool InWindow(long price) => (ulong)(price - _base) < (ulong)_span;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Better(long a, long b) => IsBid ? a > b : a < b;

    /// <summary>Level index of the best price, or -1 when the side is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Best(out long price)
    {
        if (_far.Count == 0)
        {
            price = _nearBest;
            return _nearCount == 0 ? -1 : _slots[(int)(_nearBest - _base)] - 1;
        }
        return BestWithFar(out price);
    }

    private int BestWithFar(out long price)
    {
        var farPrice = PriceOf(_far.Keys[_far.Count - 1]);
        if (_nearCount > 0 && Better(_nearBest, farPrice))
        {
            price = _nearBest;
            return _slots[(int)(_nearBest - _base)] - 1;
        }
        price = farPrice;
        return _far.Levels[_far.Count - 1];
    }

    /// <summary>Level index of the best price strictly worse than <paramref name="price"/>, or -1.</summary>
    public int NextWorse(long price, out long next)
    {
        var bound = IsBid ? price - 1 : price + 1;
        next = 0;
        var level = -1;
        if (_nearCount > 0)
        {
            var offset = -1;
            if (IsBid)
            {
                if (bound >= _base)
                {
                    offset = HighestAtOrBelow((int)Math.Min(bound - _base, _span - 1));
                }
            }
            else if (bound < _base + _span)
            {
                offset = LowestAtOrAbove((int)Math.Max(bound - _base, 0));
            }
            if (offset >= 0)
            {
                next = _base + offset;
                level = _slots[offset] - 1;
            }
        }
        if (_far.Count > 0)
        {
            // Far keys ascend toward the best, so the best level at or worse than the bound is the one just below its insertion point.
            var index = _far.Find(_far.KeyOf(bound));
            index = index >= 0 ? index : ~index - 1;
            if (index >= 0)
            {
                var farPrice = PriceOf(_far.Keys[index]);
                if (level < 0 || Better(farPrice, next))
                {
                    next = farPrice;
                    level = _far.Levels[index];
                }
            }
        }
        return level;
    }

    /// <summary>Level index at exactly this price, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(long price)
    {
        if (InWindow(price))
        {
            return _slots[(int)(price - _base)] - 1;
        }
        if (_far.Count == 0)
        {
            return -1;
        }
        var index = _far.Find(_far.KeyOf(price));
        return index >= 0 ? _far.Levels[index] : -1;
    }

    /// <summary>Adds a level for a price that has none yet.</summary>
    public void Add(long price, int level)
    {
        if (!InWindow(price) && !TryMoveWindow(price))
        {
            var index = _far.Find(_far.KeyOf(price));
            _far.InsertAt(~index, _far.KeyOf(price), level);
            return;
        }
        AddNear(price, level);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddNear(long price, int level)
    {
        var offset = (int)(price - _base);
        _slots[offset] = level + 1;
        var word = offset >> 6;
        _bits[word] |= 1UL << offset;
        _summary[word >> 6] |= 1UL << word;
        if (_nearCount == 0 || Better(price, _nearBest))
        {
            _nearBest = price;
        }
        _nearCount++;
    }

    /// <summary>Removes the level at this price (which must exist).</summary>
    public void Remove(long price)
    {
        if (!InWindow(price))
        {
            _far.RemoveAt(_far.Find(_far.KeyOf(price)));
            return;
        }
        var offset = (int)(price - _base);
        _slots[offset] = 0;
        var word = offset >> 6;
        _bits[word] &= ~(1UL << offset);
        if (_bits[word] == 0)
        {
            _summary[word >> 6] &= ~(1UL << word);
        }
        _nearCount--;
        if (_nearCount > 0 && price == _nearBest)
        {
            _nearBest = _base + (IsBid ? HighestAtOrBelow(offset) : LowestAtOrAbove(offset));
        }
    }

    private int HighestAtOrBelow(int offset)
    {
        var w = offset >> 6;
        var word = _bits[w] & (ulong.MaxValue >> (63 - (offset & 63)));
        if (word != 0)
        {
            return (w << 6) + 63 - BitOperations.LeadingZeroCount(word);
        }
        var sw = w - 1;
        if (sw < 0)
        {
            return -1;
        }
        var s = sw >> 6;
        var summary = _summary[s] & (ulong.MaxValue >> (63 - (sw & 63)));
        while (true)
        {
            if (summary != 0)
            {
                var wi = (s << 6) + 63 - BitOperations.LeadingZeroCount(summary);
                return (wi << 6) + 63 - BitOperations.LeadingZeroCount(_bits[wi]);
            }
            if (--s < 0)
            {
                return -1;
            }
            summary = _summary[s];
        }
    }

    private int LowestAtOrAbove(int offset)
    {
        var w = offset >> 6;
        var word = _bits[w] & (ulong.MaxValue << (offset & 63));
        if (word != 0)
        {
            return (w << 6) + BitOperations.TrailingZeroCount(word);
        }
        var sw = w + 1;
        if (sw >= _bits.Length)
        {
            return -1;
        }
        var s = sw >> 6;
        var summary = _summary[s] & (ulong.MaxValue << (sw & 63));
        while (true)
        {
            if (summary != 0)
            {
                var wi = (s << 6) + BitOperations.TrailingZeroCount(summary);
                return (wi << 6) + BitOperations.TrailingZeroCount(_bits[wi]);
            }
            if (++s >= _summary.Length)
            {
                return -1;
            }
            summary = _summary[s];
        }
    }

    private long PriceOf(long farKey) => IsBid ? farKey : -farKey;

    /// <summary>
    /// Re-centres (growing if needed) the window so it covers every windowed level and the new price; false when that
    /// would need more than the maximum span, and the price then goes to the overflow array.
    /// </summary>
    private bool TryMoveWindow(long price)
    {
        long low = price, high = price;
        if (_nearCount > 0)
        {
            low = Math.Min(low, _base + LowestAtOrAbove(0));
            high = Math.Max(high, _base + HighestAtOrBelow(_span - 1));
        }
        var needed = high - low + 1;
        if (needed > _maxSpan)
        {
            return false;
        }
        // Twice the needed width leaves room for the market to drift before the next move.
        var span = (int)Math.Min(_maxSpan, Math.Max(_span, (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Min(needed * 2, int.MaxValue))));
        var newBase = low - ((span - needed) / 2);
        if (_nearCount == 0 && span == _span)
        {
            // Removing a level clears its slot and bits, so an empty window can move without touching its arrays.
            _base = newBase;
            AdoptFar();
            return true;
        }
        if (span != _span)
        {
            (_spareSlots, _spareBits, _spareSummary) = Allocate(span);
        }
        else
        {
            Array.Clear(_spareSlots);
            Array.Clear(_spareBits);
            Array.Clear(_spareSummary);
        }
        var oldSlots = _slots;
        var oldBase = _base;
        var oldCount = _nearCount;
        (_slots, _spareSlots) = (_spareSlots, _slots);
        (_bits, _spareBits) = (_spareBits, _bits);
        (_summary, _spareSummary) = (_spareSummary, _summary);
        _base = newBase;
        _span = span;
        _nearCount = 0;
        if (oldCount > 0)
        {
            for (var offset = 0; offset < oldSlots.Length; offset++)
            {
                if (oldSlots[offset] != 0)
                {
                    AddNear(oldBase + offset, oldSlots[offset] - 1);
                }
            }
        }
        if (_spareSlots.Length != _span)
        {
            (_spareSlots, _spareBits, _spareSummary) = Allocate(_span);
        }
        AdoptFar();
        return true;
    }

    /// <summary>Moves overflow levels that the window now covers into it, keeping every price in exactly one place.</summary>
    private void AdoptFar()
    {
        for (var i = _far.Count - 1; i >= 0; i--)
        {
            var price = PriceOf(_far.Keys[i]);
            if (InWindow(price))
            {
                var level = _far.Levels[i];
                _far.RemoveAt(i);
                AddNear(price, level);
            }
        }
    }
}
