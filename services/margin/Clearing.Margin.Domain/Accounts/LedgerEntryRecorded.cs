using Clearing.EventSourcing;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// One ledger line numbered in the single ledger stream "ledger-main": <see cref="Sequence"/> = stream version + 1,
/// so it is gap-free from 1 over the whole ledger, and the outbox publishes it as clearing.margin.v1.LedgerEntry.
/// <see cref="SourcePosition"/> and <see cref="LineIndex"/> say which account event line it numbers, so the projector
/// resumes exactly after a crash.
/// </summary>
[EventType("margin.ledger-entry-recorded.v1")]
public sealed record LedgerEntryRecorded(
    long Sequence,
    string EntryId,
    LedgerKind Kind,
    string Reference,
    string Market,
    string AccountId,
    IReadOnlyList<Posting> Postings,
    DateTimeOffset At,
    string SourceStream,
    long SourceVersion,
    long SourcePosition,
    int LineIndex);
