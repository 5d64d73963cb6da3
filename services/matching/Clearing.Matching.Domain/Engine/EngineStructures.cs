using System.Runtime.CompilerServices;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Matching.Domain;

internal enum SlotState : byte
{
    Free = 0,
    /// <summary>Being matched as a taker; not yet findable by id.</summary>
    Incoming = 1,
    Resting = 2,
    /// <summary>A conditional order waiting for its trigger.</summary>
    Pending = 3,
    /// <summary>An amended order taken out of its level and matching again; still findable and still in its account list.</summary>
    Reentering = 4,
}

/// <summary>
/// The fields of a pooled order that matching touches, packed into 64 bytes so a resting order costs one cache line
/// (or two adjacent ones); prev/next link it into its price level (or the free list). The rest is in <see cref="OrderCold"/>.
/// </summary>
internal struct OrderSlot
{
    public long Id;
    public long Price;
    public long Remaining;
    public int Account;
    public int Market;
    public int Level;
    public int Prev;
    public int Next;
    public int AccountPrev;
    public int AccountNext;
    public int HeapIndex;
    public Side Side;
    public OrderType Type;
    public TimeInForce Tif;
    public SelfTradePrevention Stp;
    public OrderFlags Flags;
    public SlotState State;
}

/// <summary>Order fields needed only for conditional orders, expiry and ordering ties, kept apart from the hot ones.</summary>
internal struct OrderCold
{
    public long TriggerPrice;
    public long ExpireAt;
    public long Sequence;
    public long RestSequence;
}

internal struct LevelSlot
{
    public long Price;
    public long Total;
    public int Head;
    public int Tail;
    public int Count;
}

/// <summary>
/// Price levels of one side, kept as parallel arrays sorted worst → best so the best level is the last element:
/// taking or adding the best level is O(1) and inserting near the top of the book moves only a few entries.
/// Keys are prices for bids and negated prices for asks, so one ascending order serves both.
/// </summary>
internal sealed class BookSide(bool isBid, int capacity)
{
    public readonly bool IsBid = isBid;
    public long[] Keys = new long[capacity];
    public int[] Levels = new int[capacity];
    public int Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long KeyOf(long price) => IsBid ? price : -price;

    /// <summary>Index of the key, or the bitwise complement of where it would be inserted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(long key)
    {
        var keys = Keys;
        var hi = Count - 1;
        // Most traffic lands at or next to the best level: look there before bisecting.
        if (hi >= 0)
        {
            var top = keys[hi];
            if (key == top)
            {
                return hi;
            }
            if (key > top)
            {
                return ~Count;
            }
        }
        var lo = 0;
        hi--;
        while (lo <= hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            var k = keys[mid];
            if (k == key)
            {
                return mid;
            }
            if (k < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ~lo;
    }

    public void InsertAt(int index, long key, int level)
    {
        if (Count == Keys.Length)
        {
            Array.Resize(ref Keys, Count * 2);
            Array.Resize(ref Levels, Count * 2);
        }
        if (index < Count)
        {
            Array.Copy(Keys, index, Keys, index + 1, Count - index);
            Array.Copy(Levels, index, Levels, index + 1, Count - index);
        }
        Keys[index] = key;
        Levels[index] = level;
        Count++;
    }

    public void RemoveAt(int index)
    {
        Count--;
        if (index < Count)
        {
            Array.Copy(Keys, index + 1, Keys, index, Count - index);
            Array.Copy(Levels, index + 1, Levels, index, Count - index);
        }
    }
}

/// <summary>
/// Pending conditional orders that fire in one direction, sorted so the next to fire is last:
/// rising triggers by ascending trigger price, falling by descending, ties by acceptance order.
/// </summary>
internal sealed class ConditionalSide(bool rising)
{
    public readonly bool Rising = rising;
    public long[] Keys = new long[16];
    public long[] NegSequences = new long[16];
    public int[] Slots = new int[16];
    public int Count;

    public long KeyOf(long triggerPrice) => Rising ? -triggerPrice : triggerPrice;

    public int Find(long key, long negSequence)
    {
        int lo = 0, hi = Count - 1;
        while (lo <= hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            var c = Keys[mid] != key ? Keys[mid].CompareTo(key) : NegSequences[mid].CompareTo(negSequence);
            if (c == 0)
            {
                return mid;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ~lo;
    }

    public void Insert(long triggerPrice, long sequence, int slot)
    {
        var key = KeyOf(triggerPrice);
        var index = ~Find(key, -sequence);
        if (Count == Keys.Length)
        {
            Array.Resize(ref Keys, Count * 2);
            Array.Resize(ref NegSequences, Count * 2);
            Array.Resize(ref Slots, Count * 2);
        }
        Array.Copy(Keys, index, Keys, index + 1, Count - index);
        Array.Copy(NegSequences, index, NegSequences, index + 1, Count - index);
        Array.Copy(Slots, index, Slots, index + 1, Count - index);
        Keys[index] = key;
        NegSequences[index] = -sequence;
        Slots[index] = slot;
        Count++;
    }

    public void Remove(long triggerPrice, long sequence)
    {
        var index = Find(KeyOf(triggerPrice), -sequence);
        Count--;
        Array.Copy(Keys, index + 1, Keys, index, Count - index);
        Array.Copy(NegSequences, index + 1, NegSequences, index, Count - index);
        Array.Copy(Slots, index + 1, Slots, index, Count - index);
    }

    /// <summary>Trigger price of the next order to fire (valid when Count &gt; 0).</summary>
    public long NextTrigger => Rising ? -Keys[Count - 1] : Keys[Count - 1];
}

internal sealed class MarketState
{
    public required InstrumentSpec Spec { get; init; }
    public required int Index { get; init; }
    public required int Underlying { get; init; }
    public required FeeScale Fees { get; init; }
    public required int[] MakerRates { get; init; }
    public required int[] TakerRates { get; init; }
    /// <summary>The band in force (the spec's until <see cref="MatchingEngine.SetTradingParameters"/> changes it).</summary>
    public int PriceBandBps;
    public required long LotNanoUnits { get; init; }
    public required bool IsOption { get; init; }
    public required long ExpiresAt { get; init; }
    public MarketStatus Status;
    public bool HasMark;
    public long Mark;
    public bool HasTriggerMark;
    public long TriggerMark;
    /// <summary>Delta in 1/10 000 (options get it with the mark; futures are 1).</summary>
    public long Delta;
    public required PriceLadder Bids { get; init; }
    public required PriceLadder Asks { get; init; }
    public readonly ConditionalSide Rising = new(rising: true);
    public readonly ConditionalSide Falling = new(rising: false);
}

/// <summary>Market-maker protection for one (account, underlying): a sliding window of fills.</summary>
internal sealed class ProtectionState
{
    public required long AccountId { get; init; }
    public required int Account { get; init; }
    public required int Underlying { get; init; }
    public required long Window { get; init; }
    public required long QuantityLimit { get; init; }
    public required long DeltaLimit { get; init; }
    public required long Cooldown { get; init; }
    public long FrozenUntil = long.MinValue;
    public bool PendingTrigger;
    public int TriggerMarket;
    public long[] Times = new long[16];
    public long[] Quantities = new long[16];
    public Int128[] Deltas = new Int128[16];
    public int Head;
    public int Size;
    public long QuantitySum;
    public Int128 DeltaSum;

    public void Record(long now, long quantity, Int128 delta)
    {
        while (Size > 0 && now - Times[Head] >= Window)
        {
            QuantitySum -= Quantities[Head];
            DeltaSum -= Deltas[Head];
            Head = (Head + 1) % Times.Length;
            Size--;
        }
        Append(now, quantity, delta);
    }

    /// <summary>Adds a fill at the tail of the window without pruning (restoring an exported window).</summary>
    public void Append(long now, long quantity, Int128 delta)
    {
        if (Size == Times.Length)
        {
            GrowRing();
        }
        var tail = (Head + Size) % Times.Length;
        Times[tail] = now;
        Quantities[tail] = quantity;
        Deltas[tail] = delta;
        Size++;
        QuantitySum += quantity;
        DeltaSum += delta;
    }

    public bool Breached =>
        (QuantityLimit > 0 && QuantitySum > QuantityLimit)
        || (DeltaLimit > 0 && Int128.Abs(DeltaSum) > (Int128)DeltaLimit * 10_000);

    public void ClearWindow()
    {
        Head = 0;
        Size = 0;
        QuantitySum = 0;
        DeltaSum = 0;
    }

    private void GrowRing()
    {
        var n = Times.Length;
        var times = new long[n * 2];
        var quantities = new long[n * 2];
        var deltas = new Int128[n * 2];
        for (var i = 0; i < Size; i++)
        {
            var j = (Head + i) % n;
            times[i] = Times[j];
            quantities[i] = Quantities[j];
            deltas[i] = Deltas[j];
        }
        Times = times;
        Quantities = quantities;
        Deltas = deltas;
        Head = 0;
    }
}
