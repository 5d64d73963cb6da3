using Clearing.Primitives.Inbox;
using System.Diagnostics.Metrics;

namespace Clearing.Messaging.Kafka.Inbox;

/// <summary>
/// Applied and skipped messages per consumer. The helpers here count through it; a service that keeps an
/// <see cref="InboxPosition"/> in its own state calls <see cref="Count"/> with each verdict to be counted the same way.
/// </summary>
public static class InboxMetrics
{
    public const string MeterName = "Clearing.Messaging.Inbox";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Applied = Meter.CreateCounter<long>(
        "clearing.inbox.applied", "{message}", "Messages applied for the first time");

    private static readonly Counter<long> Skipped = Meter.CreateCounter<long>(
        "clearing.inbox.skipped", "{message}", "Repeated messages skipped by the inbox (reason: duplicate or out_of_date)");

    public static void Count(string consumer, InboxVerdict verdict)
    {
        var consumerTag = new KeyValuePair<string, object?>("consumer", consumer);
        switch (verdict)
        {
            case InboxVerdict.Apply:
                Applied.Add(1, consumerTag);
                break;
            case InboxVerdict.Duplicate:
                Skipped.Add(1, consumerTag, new KeyValuePair<string, object?>("reason", "duplicate"));
                break;
            case InboxVerdict.OutOfDate:
                Skipped.Add(1, consumerTag, new KeyValuePair<string, object?>("reason", "out_of_date"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "Unknown inbox verdict.");
        }
    }
}

/// <summary>What a store-backed inbox helper did with one message.</summary>
public enum InboxOutcome
{
    /// <summary>Applied, and the inbox records it.</summary>
    Applied,

    /// <summary>Skipped: its source sequence was at or below the last applied one.</summary>
    Skipped,

    /// <summary>The decision changed nothing, so nothing (not even the inbox) was written; a redelivery is decided again.</summary>
    NothingToApply,
}
