using System.Collections.Concurrent;
using Clearing.EventSourcing;

namespace Clearing.OrderGateway.Integration;

/// <summary>
/// The public OrderCommand bytes of commands this process is storing, handed from admission to the outbox relay so the
/// relay does not read back the JSON it stores (deserializing CommandAccepted and then parsing its protobuf JSON was
/// the relay's largest cost per command). It is only a shortcut: the relay takes an entry only when the stored event's
/// bytes are exactly the bytes admission offered with it, so what it publishes is what the store holds; anything else
/// (a restart, a republish, another replica's event, an entry that was never offered or already taken) is translated
/// from the stored JSON as before.
/// </summary>
public sealed class AcceptedCommandHandoff
{
    /// <summary>
    /// The most entries kept: above the gateway's outbox-lag bound (20,000), so a relay that is behind still finds its
    /// entries; past it new commands are simply not offered.
    /// </summary>
    public const int DefaultCapacity = 65_536;

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly int _capacity;

    // Kept beside the dictionary: its Count takes every bucket lock, which every admission round contended on.
    private int _count;

    public AcceptedCommandHandoff(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Entries offered and not yet taken or withdrawn.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Offers the command's public bytes for the event about to be appended; false when full (nothing kept).</summary>
    public bool Offer(EventData stored, string market, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (Volatile.Read(ref _count) >= _capacity)
        {
            return false;
        }

        var entry = new Entry(stored.Type, stored.Data, market, payload);
        while (true)
        {
            if (_entries.TryAdd(stored.EventId, entry))
            {
                Interlocked.Increment(ref _count);
                return true;
            }

            // A repeated offer for one event replaces the earlier entry and counts once.
            if (_entries.TryGetValue(stored.EventId, out var earlier) && _entries.TryUpdate(stored.EventId, entry, earlier))
            {
                return true;
            }
        }
    }

    /// <summary>Forgets an offer whose append failed.</summary>
    public void Withdraw(Guid eventId) => Remove(eventId, out _);

    /// <summary>
    /// The offered bytes and key for <paramref name="recorded"/> when it is, byte for byte, the event they were offered
    /// with; the entry is removed either way once its event comes by.
    /// </summary>
    public bool TryTake(RecordedEvent recorded, out string market, out byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (Remove(recorded.EventId, out var entry)
            && entry.Type == recorded.Type
            && entry.Data.Span.SequenceEqual(recorded.Data.Span))
        {
            market = entry.Market;
            payload = entry.Payload;
            return true;
        }

        market = "";
        payload = [];
        return false;
    }

    private bool Remove(Guid eventId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Entry? entry)
    {
        if (_entries.TryRemove(eventId, out entry))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    private sealed record Entry(string Type, ReadOnlyMemory<byte> Data, string Market, byte[] Payload);
}
