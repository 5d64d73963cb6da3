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
    private readonly SortedDictionary<string, decimal> _fundSharesAnnounced = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, decimal> _liquidationFeesShared = new(StringComparer.Ordinal);

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

    /// <summary>
    /// A liquidation-fee share was announced: <paramref name="amount"/> out of the insurance fund, taken of
    /// <paramref name="feeBase"/> of liquidation fees, which are then shared (never again).
    /// </summary>
    public void AnnounceLiquidationShare(string asset, decimal amount, decimal feeBase)
    {
        _fundSharesAnnounced[asset] = _fundSharesAnnounced.GetValueOrDefault(asset) + amount;
        _liquidationFeesShared[asset] = _liquidationFeesShared.GetValueOrDefault(asset) + feeBase;
    }

    /// <summary>Liquidation fees the insurance fund collected in <paramref name="asset"/> that no announced share was taken of yet.</summary>
    public decimal UnsharedLiquidationFees(string asset) =>
        Book.LiquidationFeesCollected.GetValueOrDefault(asset) - _liquidationFeesShared.GetValueOrDefault(asset);

    /// <summary>What the insurance fund holds in <paramref name="asset"/> that no announced liquidation-fee share has claimed yet.</summary>
    public decimal FundFree(string asset) => Fees.FeeDistributionPolicy.Distributable(
        Book.Balance(LedgerAccounts.InsuranceFund, asset),
        _fundSharesAnnounced.GetValueOrDefault(asset),
        Book.FundSharesBooked.GetValueOrDefault(asset));

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
