using System.Runtime.CompilerServices;

namespace Clearing.Matching.Domain;

/// <summary>
/// Open-addressing long → int map (linear probing, backward-shift deletion, no tombstones): lookups and
/// removals never allocate, unlike a Dictionary whose growth is the only thing we cannot avoid — and here it
/// happens only when the map passes half full.
/// </summary>
internal sealed class LongIntMap
{
    private long[] _keys;
    // Stored value + 1, so 0 marks an empty bucket and keys can be any long.
    private int[] _values;
    private int _mask;
    private int _shift;

    public LongIntMap(int capacity)
    {
        var size = 16;
        while (size < capacity * 2)
        {
            size <<= 1;
        }
        _keys = new long[size];
        _values = new int[size];
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
        var keys = _keys;
        var values = _values;
        while (true)
        {
            var v = values[i];
            if (v == 0)
            {
                return -1;
            }
            if (keys[i] == key)
            {
                return v - 1;
            }
            i = (i + 1) & _mask;
        }
    }

    /// <summary>Adds a key that must not be present.</summary>
    public void Add(long key, int value)
    {
        if ((Count + 1) * 2 > _values.Length)
        {
            Grow();
        }
        var i = Home(key);
        while (_values[i] != 0)
        {
            i = (i + 1) & _mask;
        }
        _keys[i] = key;
        _values[i] = value + 1;
        Count++;
    }

    public bool Remove(long key)
    {
        var i = Home(key);
        while (true)
        {
            var v = _values[i];
            if (v == 0)
            {
                return false;
            }
            if (_keys[i] == key)
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
            if (_values[j] == 0)
            {
                break;
            }
            var home = Home(_keys[j]);
            var inRange = i <= j ? home > i && home <= j : home > i || home <= j;
            if (!inRange)
            {
                _keys[i] = _keys[j];
                _values[i] = _values[j];
                i = j;
            }
        }
        _values[i] = 0;
        Count--;
        return true;
    }

    private void Grow()
    {
        var oldKeys = _keys;
        var oldValues = _values;
        var size = oldValues.Length * 2;
        _keys = new long[size];
        _values = new int[size];
        _mask = size - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)size);
        Count = 0;
        for (var i = 0; i < oldValues.Length; i++)
        {
            if (oldValues[i] != 0)
            {
                Add(oldKeys[i], oldValues[i] - 1);
            }
        }
    }
}
