using Clearing.Primitives.Inbox;

namespace Clearing.Vault.Domain;

/// <summary>The inbox coordinates (source stream and its sequence) of the consumed message an event applies.</summary>
public sealed record MessageSource(string Stream, long Sequence);

internal static class InboxExtensions
{
    public static InboxPosition RecordOnce(this InboxPosition inbox, MessageSource? source) =>
        source is not null && inbox.ShouldApply(source.Stream, source.Sequence) ? inbox.Record(source.Stream, source.Sequence) : inbox;
}
