namespace Clearing.Margin.Domain.Accounts;

/// <summary>What a ledger line records; mirrors clearing.margin.v1.LedgerEntryKind.</summary>
public enum LedgerKind
{
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

/// <summary>One side of a double entry: positive credits <see cref="AccountId"/>, negative debits it.</summary>
public sealed record Posting(string AccountId, string Asset, decimal Amount);

/// <summary>
/// One balanced movement of money (per asset the postings sum to exactly zero). Every money-moving account event
/// carries its lines; the ledger projection numbers them gap-free and publishes them on clearing.margin.ledger.v1.
/// </summary>
public sealed record LedgerLine(LedgerKind Kind, string Reference, string Market, IReadOnlyList<Posting> Postings)
{
    public bool IsBalanced => Postings.GroupBy(p => p.Asset, StringComparer.Ordinal).All(g => g.Sum(p => p.Amount) == 0m);

    public static LedgerLine Between(LedgerKind kind, string reference, string market, string asset, string credited, string debited, decimal amount) =>
        new(kind, reference, market, [new Posting(credited, asset, amount), new Posting(debited, asset, -amount)]);
}

/// <summary>The named system accounts of ledger.proto.</summary>
public static class SystemAccounts
{
    /// <summary>The world outside: deposits come from it, withdrawals go to it.</summary>
    public const string External = "system:external";
    public const string FeePool = "system:fee-pool";
    public const string InsuranceFund = "system:insurance-fund";
    public const string FundingDust = "system:funding-dust";
    public const string Treasury = "system:treasury";

    /// <summary>
    /// The counterparty of every realized PnL and expiry settlement. Trades are zero-sum but each side realizes
    /// against its own entry, so realized PnL is booked against this clearing account rather than pairwise; its
    /// balance is minus the realized PnL of open positions' counterparties and returns to exactly zero when every
    /// position in the system is flat.
    /// </summary>
    public const string Settlement = "system:settlement";

    public static bool IsSystem(string accountId) => accountId.StartsWith("system:", StringComparison.Ordinal) || accountId.StartsWith("vault:", StringComparison.Ordinal);
}
