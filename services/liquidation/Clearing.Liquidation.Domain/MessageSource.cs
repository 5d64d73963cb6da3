using Clearing.Primitives.Inbox;

namespace Clearing.Liquidation.Domain;

/// <summary>The inbox coordinates of the consumed message (or stored event) an event applies.</summary>
public sealed record MessageSource(string Stream, long Sequence);

internal static class InboxExtensions
{
    /// <summary>Records a source once: several events decided from one message carry it only on the first.</summary>
    public static InboxPosition RecordOnce(this InboxPosition inbox, MessageSource? source) =>
        source is not null && inbox.ShouldApply(source.Stream, source.Sequence) ? inbox.Record(source.Stream, source.Sequence) : inbox;
}
