namespace Clearing.Matching.Domain.Events;

// The stored/published form of engine output (DESIGN §4): sealed records with stable type names. Reasons and
// statuses are their stable kebab-case codes, so a reader never depends on enum numbering.

[EventType("matching.order-accepted.v1")]
public sealed record OrderAccepted(long Sequence, long Timestamp, int Market, long OrderId, long Account, Side Side, OrderType Type,
    TimeInForce TimeInForce, SelfTradePrevention Stp, OrderFlags Flags, long Price, long Quantity, long TriggerPrice, long ExpireAt);

[EventType("matching.order-rejected.v1")]
public sealed record OrderRejected(long Sequence, long Timestamp, int Market, long OrderId, long Account, CommandKind Command, string Reason);

[EventType("matching.order-rested.v1")]
public sealed record OrderRested(long Sequence, long Timestamp, int Market, long OrderId, long Account, Side Side, long Price, long Remaining);

[EventType("matching.fill.v1")]
public sealed record OrderFilled(long Sequence, long Timestamp, int Market, long TakerOrderId, long TakerAccount, Side TakerSide,
    long MakerOrderId, long MakerAccount, long Price, long Quantity, long TakerRemaining, long MakerRemaining, long MakerFee, long TakerFee);

[EventType("matching.order-cancelled.v1")]
public sealed record OrderCancelled(long Sequence, long Timestamp, int Market, long OrderId, long Account, long Quantity, string Reason);

[EventType("matching.order-amended.v1")]
public sealed record OrderAmended(long Sequence, long Timestamp, int Market, long OrderId, long Account, long Price, long Quantity, bool KeptPriority);

[EventType("matching.order-triggered.v1")]
public sealed record OrderTriggered(long Sequence, long Timestamp, int Market, long OrderId, long Account, long TriggerPrice, long Price, long Quantity);

[EventType("matching.market-status-changed.v1")]
public sealed record MarketStatusChanged(long Sequence, long Timestamp, int Market, string Status);

[EventType("matching.protection-triggered.v1")]
public sealed record ProtectionTriggered(long Sequence, long Timestamp, int Market, long Account, long FrozenUntil);

public static class MatchingEventRecords
{
    public static IReadOnlyList<Type> All { get; } =
    [
        typeof(OrderAccepted), typeof(OrderRejected), typeof(OrderRested), typeof(OrderFilled), typeof(OrderCancelled),
        typeof(OrderAmended), typeof(OrderTriggered), typeof(MarketStatusChanged), typeof(ProtectionTriggered),
    ];

    public static string TypeName(Type type) =>
        (Attribute.GetCustomAttribute(type, typeof(EventTypeAttribute)) as EventTypeAttribute)?.Name
        ?? throw new ArgumentException($"{type.Name} has no [EventType]", nameof(type));

    public static object ToRecord(in MatchEvent e) => e.Kind switch
    {
        EventKind.Accepted => new OrderAccepted(e.Sequence, e.Timestamp, e.Market, e.OrderId, e.Account, e.Side, e.OrderType,
            e.TimeInForce, e.Stp, e.Flags, e.Price, e.Quantity, e.Aux, e.ExpireAt),
        EventKind.Rejected => new OrderRejected(e.Sequence, e.Timestamp, e.Market, e.OrderId, e.Account, e.Command, e.RejectReason.Code()),
        EventKind.Rested => new OrderRested(e.Sequence, e.Timestamp, e.Market, e.OrderId, e.Account, e.Side, e.Price, e.Remaining),
        EventKind.Filled => new OrderFilled(e.Sequence, e.Timestamp, e.Market, e.OrderId, e.Account, e.Side, e.CounterOrderId,
            e.CounterAccount, e.Price, e.Quantity, e.Remaining, e.CounterRemaining, e.MakerFee, e.TakerFee),
        EventKind.Cancelled => new OrderCancelled(e.Sequence, e.Timestamp, e.Market, e.OrderId, e.Account, e.Remaining, e.CancelReason.Code()),
        EventKind.Amended => new OrderAmended(e.Sequence, e.Timestamp, e.Market, e.OrderId, e.Account, e.Price, e.Quantity, e.KeptPriority),
        EventKind.Triggered => new OrderTriggered(e.Sequence, e.Timestamp, e.Market, e.OrderId, e.Account, e.Aux, e.Price, e.Quantity),
        EventKind.MarketStatusChanged => new MarketStatusChanged(e.Sequence, e.Timestamp, e.Market, e.Status.Code()),
        EventKind.ProtectionTriggered => new ProtectionTriggered(e.Sequence, e.Timestamp, e.Market, e.Account, e.Aux),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.Kind, "event kind has no record"),
    };
}
