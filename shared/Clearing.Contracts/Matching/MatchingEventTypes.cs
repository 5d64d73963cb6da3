using Clearing.Contracts.Matching.V1;

namespace Clearing.Contracts.Matching;

/// <summary>
/// The CloudEvents type of each matching event on clearing.matching.events.v1. Matching stamps them; consumers read the
/// header to leave the events they do not act on unparsed (most of the topic is orders accepted, rested, cancelled…).
/// </summary>
public static class MatchingEventTypes
{
    public const string OrderAccepted = "clearing.matching.order-accepted.v1";
    public const string OrderRejected = "clearing.matching.order-rejected.v1";
    public const string OrderRested = "clearing.matching.order-rested.v1";
    public const string Fill = "clearing.matching.fill.v1";
    public const string OrderCancelled = "clearing.matching.order-cancelled.v1";
    public const string OrderAmended = "clearing.matching.order-amended.v1";
    public const string OrderTriggered = "clearing.matching.order-triggered.v1";
    public const string MarketStatusChanged = "clearing.matching.market-status-changed.v1";
    public const string ProtectionTriggered = "clearing.matching.protection-triggered.v1";

    /// <summary>Every type but <see cref="Fill"/>.</summary>
    public static IReadOnlySet<string> NonFill { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        OrderAccepted, OrderRejected, OrderRested, OrderCancelled, OrderAmended, OrderTriggered, MarketStatusChanged, ProtectionTriggered,
    };

    /// <summary>The type of an event by its body.</summary>
    public static string Of(MatchingEvent e) => e.EventCase switch
    {
        MatchingEvent.EventOneofCase.Accepted => OrderAccepted,
        MatchingEvent.EventOneofCase.Rejected => OrderRejected,
        MatchingEvent.EventOneofCase.Rested => OrderRested,
        MatchingEvent.EventOneofCase.Fill => Fill,
        MatchingEvent.EventOneofCase.Cancelled => OrderCancelled,
        MatchingEvent.EventOneofCase.Amended => OrderAmended,
        MatchingEvent.EventOneofCase.Triggered => OrderTriggered,
        MatchingEvent.EventOneofCase.StatusChanged => MarketStatusChanged,
        MatchingEvent.EventOneofCase.ProtectionTriggered => ProtectionTriggered,
        _ => throw new ArgumentException($"matching event {e.Market}:{e.Sequence} has no body", nameof(e)),
    };
}
