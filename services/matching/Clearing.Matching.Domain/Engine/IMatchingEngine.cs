namespace Clearing.Matching.Domain;

/// <summary>
/// A deterministic matching engine over the markets of one <see cref="EngineConfig"/>. Both the fast
/// <see cref="MatchingEngine"/> and the <see cref="Reference.ReferenceEngine"/> implement it and share one test suite.
/// <para>
/// Semantics (both engines, event for event):
/// time = max(previous, command timestamp); before each command, due deadlines run in time order — good-till-time
/// expiries (by expiry time, then acceptance order) and instrument expiries (by expiry time, then market index),
/// an order expiry first on a tie. A trade executes at the maker's price; market, IOC and FOK orders never rest.
/// A FOK that cannot fill in full immediately is cancelled with no other event (same-account orders do not count,
/// and under cancel-taker/cancel-both nothing past the first same-account order counts). Post-only crossing the
/// best opposite price is cancelled (on amend: the amend is rejected). Self-trade prevention meets same-account
/// orders in priority order. Reduce-only: refused when the position is flat or on the same side, the size is
/// clamped to the position; a reduce-only maker fills at most its account's remaining position and is cancelled
/// when that reaches zero. Market-maker protection is evaluated after the command's matching: each breach
/// (in the order the breaching fills happened) cancels that account's resting quotes on the underlying (in the
/// order they first rested) and freezes new quotes for the cooldown.
/// </para>
/// </summary>
public interface IMatchingEngine
{
    EngineConfig Config { get; }

    /// <summary>Applies one command, appending its events to <paramref name="output"/>.</summary>
    void Process(in EngineCommand command, EventBuffer output);

    /// <summary>Resting orders in priority order plus pending conditional orders in acceptance order.</summary>
    BookSnapshot Book(int market);

    long Position(long account, int market);

    /// <summary>Stable hash over everything that decides future output: books in priority order, pending orders,
    /// positions, tiers, protection state, clocks and sequence counters.</summary>
    ulong StateHash();
}

public readonly record struct BookEntry(long OrderId, long Account, Side Side, long Price, long Remaining, OrderFlags Flags);

public readonly record struct ConditionalEntry(long OrderId, long Account, Side Side, OrderType Type, long TriggerPrice, long Price,
    long Quantity);

public sealed record BookSnapshot(int Market, MarketStatus Status, long? MarkPrice, IReadOnlyList<BookEntry> Bids,
    IReadOnlyList<BookEntry> Asks, IReadOnlyList<ConditionalEntry> Conditionals)
{
    public long? BestBid => Bids.Count > 0 ? Bids[0].Price : null;

    public long? BestAsk => Asks.Count > 0 ? Asks[0].Price : null;
}

/// <summary>FNV-1a (64-bit) over little-endian values: tiny, stable across runtimes and platforms, enough to spot divergence.</summary>
public sealed class StateHasher
{
    private ulong _hash = 14695981039346656037UL;

    public ulong Value => _hash;

    public void Add(long value)
    {
        var v = (ulong)value;
        for (var i = 0; i < 8; i++)
        {
            _hash ^= (byte)(v >> (i * 8));
            _hash *= 1099511628211UL;
        }
    }

    public void Add(Int128 value)
    {
        Add((long)(ulong)value);
        Add((long)(ulong)(value >> 64));
    }

    /// <summary>Canonical order record shared by both engines so their hashes agree when their states do.</summary>
    public void AddOrder(long id, long account, Side side, OrderType type, TimeInForce tif, SelfTradePrevention stp, OrderFlags flags,
        long price, long remaining, long triggerPrice, long expireAt, long sequence, long restSequence)
    {
        Add(id);
        Add(account);
        Add(((long)side << 32) | ((long)type << 24) | ((long)tif << 16) | ((long)stp << 8) | (long)flags);
        Add(price);
        Add(remaining);
        Add(triggerPrice);
        Add(expireAt);
        Add(sequence);
        Add(restSequence);
    }
}
