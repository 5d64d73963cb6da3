using System.Runtime.InteropServices;

namespace Clearing.Matching.Domain;

/// <summary>
/// One engine output, written in place into an <see cref="EventBuffer"/>. A flat struct (a tagged union) so emitting
/// allocates nothing; <see cref="Events.MatchingEventRecords"/> turns it into the versioned records that are stored
/// and published. Field use per kind:
/// <list type="bullet">
/// <item>Accepted: order fields as accepted (Quantity after any reduce-only clamp; Aux = trigger price; ExpireAt).</item>
/// <item>Rejected: Command = what was rejected, OrderId/Account/Market from the command, RejectReason.</item>
/// <item>Rested: Price, Remaining (the resting quantity).</item>
/// <item>Filled: OrderId/Account/Side = taker; Counter* = maker; Price = maker's price; Quantity; Remaining = taker's
/// rest; CounterRemaining = maker's rest; MakerFee/TakerFee in fee units of the instrument.</item>
/// <item>Cancelled: CancelReason, Remaining = the quantity cancelled.</item>
/// <item>Amended: Price and Quantity after the amend, KeptPriority.</item>
/// <item>Triggered: Price (limit or 0), Quantity, Aux = trigger price.</item>
/// <item>MarketStatusChanged: Status.</item>
/// <item>ProtectionTriggered: Account, Market = market of the breaching fill, Aux = time the freeze ends.</item>
/// </list>
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct MatchEvent : IEquatable<MatchEvent>
{
    public EventKind Kind;
    public CommandKind Command;
    public RejectReason RejectReason;
    public CancelReason CancelReason;
    public Side Side;
    public OrderType OrderType;
    public TimeInForce TimeInForce;
    public SelfTradePrevention Stp;
    public MarketStatus Status;
    public OrderFlags Flags;
    public bool KeptPriority;
    public int Market;
    public long Sequence;
    public long Timestamp;
    public long OrderId;
    public long Account;
    public long Price;
    public long Quantity;
    public long Remaining;
    public long CounterOrderId;
    public long CounterAccount;
    public long CounterRemaining;
    public long MakerFee;
    public long TakerFee;
    public long Aux;
    public long ExpireAt;

    public readonly bool Equals(MatchEvent other) =>
        Kind == other.Kind && Command == other.Command && RejectReason == other.RejectReason && CancelReason == other.CancelReason
        && Side == other.Side && OrderType == other.OrderType && TimeInForce == other.TimeInForce && Stp == other.Stp && Status == other.Status && Flags == other.Flags
        && KeptPriority == other.KeptPriority && Market == other.Market && Sequence == other.Sequence
        && Timestamp == other.Timestamp && OrderId == other.OrderId && Account == other.Account && Price == other.Price
        && Quantity == other.Quantity && Remaining == other.Remaining && CounterOrderId == other.CounterOrderId
        && CounterAccount == other.CounterAccount && CounterRemaining == other.CounterRemaining
        && MakerFee == other.MakerFee && TakerFee == other.TakerFee && Aux == other.Aux && ExpireAt == other.ExpireAt;

    public override readonly bool Equals(object? obj) => obj is MatchEvent other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(Kind, Sequence, OrderId, Price, Quantity, CounterOrderId);

    public static bool operator ==(MatchEvent left, MatchEvent right) => left.Equals(right);

    public static bool operator !=(MatchEvent left, MatchEvent right) => !left.Equals(right);

    /// <summary>Fixed-width little-endian encoding; the determinism test compares these bytes.</summary>
    public const int EncodedSize = 12 + 4 + 14 * 8;

    public readonly void WriteTo(Span<byte> destination)
    {
        if (destination.Length < EncodedSize)
        {
            throw new ArgumentException($"destination needs {EncodedSize} bytes", nameof(destination));
        }
        destination[0] = (byte)Kind;
        destination[1] = (byte)Command;
        destination[2] = (byte)RejectReason;
        destination[3] = (byte)CancelReason;
        destination[4] = (byte)Side;
        destination[5] = (byte)OrderType;
        destination[6] = (byte)TimeInForce;
        destination[7] = (byte)Stp;
        destination[8] = (byte)Status;
        destination[9] = (byte)Flags;
        destination[10] = KeptPriority ? (byte)1 : (byte)0;
        destination[11] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(destination[12..], Market);
        var longs = destination[16..];
        Span<long> values = [Sequence, Timestamp, OrderId, Account, Price, Quantity, Remaining, CounterOrderId, CounterAccount,
            CounterRemaining, MakerFee, TakerFee, Aux, ExpireAt];
        for (var i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(longs[(i * 8)..], values[i]);
        }
    }

    public override readonly string ToString() => Kind switch
    {
        EventKind.Filled => $"#{Sequence} Filled taker={OrderId}/{Account} maker={CounterOrderId}/{CounterAccount} {Quantity}@{Price} takerRest={Remaining} makerRest={CounterRemaining} fees={MakerFee}/{TakerFee}",
        EventKind.Rejected => $"#{Sequence} Rejected {Command} order={OrderId} account={Account} market={Market} {RejectReason}",
        EventKind.Cancelled => $"#{Sequence} Cancelled order={OrderId} account={Account} qty={Remaining} {CancelReason}",
        _ => $"#{Sequence} {Kind} order={OrderId} account={Account} market={Market} {Side} {OrderType} price={Price} qty={Quantity} rest={Remaining} aux={Aux} status={Status} kept={KeptPriority}",
    };
}

/// <summary>
/// Caller-owned output buffer the engine appends to. Grows by doubling (rare; the caller sizes it once) and is
/// cleared by the caller after draining, so steady-state processing allocates nothing.
/// </summary>
public sealed class EventBuffer(int capacity = 1024)
{
    private MatchEvent[] _items = new MatchEvent[Math.Max(16, capacity)];

    public int Count { get; private set; }

    public ref MatchEvent this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }
            return ref _items[index];
        }
    }

    public ReadOnlySpan<MatchEvent> AsSpan() => _items.AsSpan(0, Count);

    /// <summary>Reserves the next slot; the engine overwrites every field.</summary>
    public ref MatchEvent Append()
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }
        return ref _items[Count++];
    }

    public void Clear() => Count = 0;
}
