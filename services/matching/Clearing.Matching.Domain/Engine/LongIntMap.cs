using System.Runtime.CompilerServices;

namespace Clearing.Matching.Domain;

/// <summary>
/// Open-addressing long → int map (linear probing, backward-shift deletion, no tombstones): lookups and
/// removals never allocate, unlike a Dictionary whose growth is the only thing we cannot avoid — and here it
/// happens only when the map passes half full.
/// </summary>
internal sealed class LongIntMap
{
    // Key and value side by side, so a lookup costs one cache miss; Value holds the value + 1 and 0 marks an empty bucket.
    private struct Entry
    {
        public long Key;
        public int Value;
    }

    private Entry[] _entries;
    private int _mask;
    private int _shift;

    public LongIntMap(int capacity)
    {
        var size = 16;
        while (size < capacity * 2)
        {
            size <<= 1;
        }
        _entries = new Entry[size];
        _mask = size - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)size);
    }

    public int Count { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Get(long key)
    {
        var i = Home(key);
        var entries = _entries;
        while (true)
        {
            ref var entry = ref entries[i];
            if (entry.Value == 0)
            {
                return -1;
            }
            if (entry.Key == key)
            {
                return entry.Value - 1;
            }
            i = (i + 1) & _mask;
        }
    }

    /// <summary>Adds a key that must not be present.</summary>
    public void Add(long key, int value)
    {
        if ((Count + 1) * 2 > _entries.Length)
        {
            Grow();
        }
        var i = Home(key);
        while (_entries[i].Value != 0)
        {
            i = (i + 1) & _mask;
        }
        _entries[i].Key = key;
        _entries[i].Value = value + 1;
        Count++;
    }

    public bool Remove(long key)
    {
        var entries = _entries;
        var i = Home(key);
        while (true)
        {
            if (entries[i].Value == 0)
            {
                return false;
            }
            if (entries[i].Key == key)
            {
                break;
            }
            i = (i + 1) & _mask;
        }
        // Backward shift: pull later entries of the probe run into the hole so lookups never stop early.
        var j = i;
        while (true)
        {
            j = (j + 1) & _mask;
            if (entries[j].Value == 0)
            {
                break;
            }
            var home = Home(entries[j].Key);
            var inRange = i <= j ? home > i && home <= j : home > i || home <= j;
            if (!inRange)
            {
                entries[i] = entries[j];
                i = j;
            }
        }
        entries[i].Value = 0;
        Count--;
        return true;
    }

    private void Grow()
    {
        var old = _entries;
        var size = old.Length * 2;
        _entries = new Entry[size];
        _mask = size - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)size);
        Count = 0;
        foreach (var entry in old)
        {
            if (entry.Value != 0)
            {
                Add(entry.Key, entry.Value - 1);
            }
        }
    }
}
