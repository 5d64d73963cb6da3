using Clearing.Primitives.Inbox;

namespace Clearing.Settlement.Domain.Ledger;

/// <summary>
/// Everything the ledger side of settlement folds from its own stored events: the book, the open epoch, the inbox of
/// the ledger topic, and the fee distributions announced so far (per asset). The host keeps one in memory and
/// rebuilds it at start by replaying its streams; the methods here are the whole of its evolution.
/// </summary>
public sealed class SettlementLedger
{
    private readonly SortedDictionary<string, decimal> _feesAnnounced = new(StringComparer.Ordinal);

    public SettlementLedger(long firstEpoch) => OpenEpoch = firstEpoch;

    public LedgerBook Book { get; } = new();

    public long OpenEpoch { get; private set; }

    public InboxPosition Inbox { get; private set; } = InboxPosition.Empty;

    public IReadOnlyDictionary<string, decimal> FeesAnnounced => _feesAnnounced;

    public LedgerApplyOutcome Receive(LedgerEntryData entry, string sourceStream, long sourceSequence)
    {
        Inbox = Inbox.Record(sourceStream, sourceSequence);
        return Book.Apply(entry);
    }

    public void AnnounceFees(string asset, decimal amount) => _feesAnnounced[asset] = _feesAnnounced.GetValueOrDefault(asset) + amount;

    /// <summary>What the fee pool holds in <paramref name="asset"/> that no announced distribution has claimed yet.</summary>
    public decimal DistributableFees(string asset) => Fees.FeeDistributionPolicy.Distributable(
        Book.Balance(LedgerAccounts.FeePool, asset),
        _feesAnnounced.GetValueOrDefault(asset),
        Book.FeesBooked.GetValueOrDefault(asset));

    public void EpochClosed(long epoch)
    {
        if (epoch != OpenEpoch)
        {
            throw new InvalidOperationException($"epoch {epoch} closed while epoch {OpenEpoch} is open");
        }

        Book.BeginNextEpoch();
        OpenEpoch = epoch + 1;
    }
}
