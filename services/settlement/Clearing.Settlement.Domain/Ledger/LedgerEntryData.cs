namespace Clearing.Settlement.Domain.Ledger;

/// <summary>What caused a ledger entry; mirrors clearing.margin.v1.LedgerEntryKind (the host maps one to the other).</summary>
public enum LedgerEntryKind
{
    Unspecified = 0,
    Deposit = 1,
    Withdrawal = 2,
    RealizedPnl = 3,
    TradingFee = 4,
    FeeRebate = 5,
    Funding = 6,
    LiquidationFee = 7,
    InsuranceTransfer = 8,
    Adl = 9,
    ExpirySettlement = 10,
    FeeDistribution = 11,
    Vault = 12,
    Transfer = 13,
    VaultDeposit = 14,
    VaultWithdrawal = 15,
}

/// <summary>One leg of a double entry: a positive amount credits the account (the system owes it more), negative debits it.</summary>
public sealed record LedgerPosting(string AccountId, string Asset, decimal Amount);

/// <summary>
/// A ledger entry as margin published it (clearing.margin.v1.LedgerEntry), with amounts already parsed to decimals.
/// <see cref="Sequence"/> is gap-free over the whole ledger and starts at 1. <see cref="Malformed"/> says why the
/// published message could not be read (an amount that is not a decimal…); such an entry is rejected in its turn.
/// </summary>
public sealed record LedgerEntryData(
    string EntryId,
    long Sequence,
    long TimeUnixNanos,
    LedgerEntryKind Kind,
    IReadOnlyList<LedgerPosting> Postings,
    string Reference,
    string Market,
    string? Malformed = null);

/// <summary>Names the ledger's system accounts (margin/v1/ledger.proto) and which accounts are liabilities.</summary>
public static class LedgerAccounts
{
    public const string SystemPrefix = "system:";
    public const string External = "system:external";
    public const string FeePool = "system:fee-pool";
    public const string InsuranceFund = "system:insurance-fund";
    public const string Treasury = "system:treasury";

    /// <summary>
    /// What the clearing system owes to someone outside it: every trader account and every vault (its LPs' money).
    /// The "system:*" accounts are the house's own books (fee pool, insurance fund, treasury…) and the external
    /// world's counter-entry, so they are not in the proof of liabilities.
    /// </summary>
    public static bool IsLiability(string accountId) => !accountId.StartsWith(SystemPrefix, StringComparison.Ordinal);
}
