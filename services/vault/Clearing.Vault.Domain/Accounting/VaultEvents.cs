using Clearing.EventSourcing;

namespace Clearing.Vault.Domain.Accounting;

// Stored in "vault-{id}". Every event that moves money carries its balanced ledger postings (per asset they sum to zero;
// the vault's own posting is its collateral change), so the vault's books and the clearing ledger can be reconciled
// entry by entry. Events priced at the NAV record the NAV and share count they used, so a replay needs no marks.

/// <summary>One leg of a double entry: a positive amount credits the account (ledger.proto's sign rule).</summary>
public sealed record VaultPosting(string AccountId, string Asset, decimal Amount);

public enum FeeKind
{
    Trading,
    Liquidation,
}

/// <summary>Which way the vault trades.</summary>
public enum VaultSide
{
    Buy,
    Sell,
}

/// <summary>
/// An LP paid <see cref="Amount"/> in and received <see cref="SharesMinted"/> = floor(amount × shares / NAV).
/// <see cref="Source"/>: the margin ledger entry (VAULT_DEPOSIT) that moved the money, recorded in the inbox.
/// </summary>
[EventType("vault.deposited.v1")]
public sealed record VaultDeposited(
    string VaultId,
    string Lp,
    string Reference,
    decimal Amount,
    decimal SharesMinted,
    decimal NavBefore,
    decimal SharesBefore,
    DateTimeOffset At,
    IReadOnlyList<VaultPosting> Postings,
    MessageSource? Source = null);

/// <summary>
/// Margin moved a deposit into the vault's account that the vault cannot turn into shares (<see cref="Reason"/>): it is
/// paid back (margin books the payout from the clearing.vault.events.v1 message). The postings hold both legs, in and
/// back out, so the vault's collateral does not change.
/// </summary>
[EventType("vault.deposit-returned.v1")]
public sealed record DepositReturned(
    string VaultId,
    string Lp,
    string Reference,
    string Asset,
    decimal Amount,
    string Reason,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>An LP asked to redeem shares; they stay at the vault's risk until <see cref="PayableAt"/> and are paid at that time's NAV.</summary>
[EventType("vault.withdrawal-requested.v1")]
public sealed record WithdrawalRequested(string VaultId, string WithdrawalId, string Lp, decimal Shares, DateTimeOffset RequestedAt, DateTimeOffset PayableAt);

[EventType("vault.withdrawal-cancelled.v1")]
public sealed record WithdrawalCancelled(string VaultId, string WithdrawalId, string Lp, decimal Shares, string Reason, DateTimeOffset At);

/// <summary>A withdrawal came due but the vault's free collateral cannot pay it yet (money is in positions).</summary>
[EventType("vault.withdrawal-deferred.v1")]
public sealed record WithdrawalDeferred(string VaultId, string WithdrawalId, string Lp, decimal Amount, decimal FreeCollateral, DateTimeOffset At);

/// <summary>Shares redeemed at the NAV of the payout time: <see cref="Amount"/> = floor(shares × NAV / total shares).</summary>
[EventType("vault.withdrawal-paid.v1")]
public sealed record WithdrawalPaid(
    string VaultId,
    string WithdrawalId,
    string Lp,
    decimal Shares,
    decimal Amount,
    decimal NavBefore,
    decimal SharesBefore,
    DateTimeOffset At,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>One of the vault's quotes was filled. Realized PnL moves money against system:settlement; the fee is owed until paid.</summary>
[EventType("vault.filled.v1")]
public sealed record VaultFilled(
    string VaultId,
    string Market,
    string FillId,
    string OrderId,
    VaultSide Side,
    decimal Quantity,
    decimal Price,
    decimal Fee,
    decimal RealizedPnl,
    decimal SizeAfter,
    decimal CostAfter,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>The vault paid fees it owed into the fee pool.</summary>
[EventType("vault.fees-paid.v1")]
public sealed record VaultFeesPaid(string VaultId, decimal Amount, DateTimeOffset At, IReadOnlyList<VaultPosting> Postings);

/// <summary>
/// Retired: the vault's own accrual of its share of one fill's or liquidation's fee, money margin never moved (the vault's
/// NAV ran ahead of its trading account). Nothing decides it any more (<see cref="FeeIncomeBooked"/> replaced it); it stays
/// so a stream written before still folds to the same state and republishes the same message.
/// </summary>
[EventType("vault.fee-share-accrued.v1")]
public sealed record FeeShareAccrued(
    string VaultId,
    FeeKind Kind,
    string Market,
    string Reference,
    decimal Fee,
    decimal ShareRate,
    decimal Amount,
    decimal FeeIncomePerShareAfter,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>
/// Fee income that is already money: margin booked a FEE_DISTRIBUTION ledger entry crediting the vault's trading account
/// (settlement's split of the fee pool, or its liquidation-fee share out of the insurance fund), numbered
/// <see cref="LedgerSequence"/> on clearing.margin.ledger.v1. <see cref="Source"/> is that entry's inbox coordinates, so a
/// redelivered entry is counted once. <see cref="FeeIncomePerShareAfter"/> attributes it to the shares outstanding.
/// </summary>
[EventType("vault.fee-income-booked.v1")]
public sealed record FeeIncomeBooked(
    string VaultId,
    FeeKind Kind,
    string Reference,
    string Asset,
    decimal Amount,
    decimal FeeIncomePerShareAfter,
    long LedgerSequence,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>
/// A funding payment margin booked on the vault's trading account (a FUNDING ledger entry: the funding service's rate
/// applied to the vault's open perpetual, against system:funding-dust), numbered <see cref="LedgerSequence"/> on
/// clearing.margin.ledger.v1. <see cref="Amount"/> is signed as the ledger signs it: positive the vault received funding,
/// negative it paid. <see cref="Source"/> is that entry's inbox coordinates, so a redelivered entry moves collateral once.
/// </summary>
[EventType("vault.funding-booked.v1")]
public sealed record FundingBooked(
    string VaultId,
    string Market,
    string Reference,
    string EntryId,
    string Asset,
    decimal Amount,
    decimal FundingAfter,
    long LedgerSequence,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>
/// A liquidation fee margin charged the vault's own trading account (a LIQUIDATION_FEE ledger entry debiting it, into
/// system:insurance-fund): the vault was itself liquidated. Its slices are fills of its account and reach the books as
/// <see cref="VaultFilled"/>; the fee is money only the ledger carries.
/// </summary>
[EventType("vault.liquidation-fee-paid.v1")]
public sealed record LiquidationFeePaid(
    string VaultId,
    string Market,
    string Reference,
    string EntryId,
    string Asset,
    decimal Amount,
    long LedgerSequence,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>
/// A dated future or option the vault held expired: settlement fixed <see cref="SettlementPrice"/> and margin closed the
/// position in cash at <see cref="Value"/> (a future: the price; an option: its intrinsic value, 0 when out of the money).
/// The vault closes it at the same value, so its realized PnL is margin's EXPIRY_SETTLEMENT entry (read from settlement's
/// message, which carries the price the ledger entry does not). <see cref="Source"/> is that message's inbox coordinates.
/// </summary>
[EventType("vault.expiry-settled.v1")]
public sealed record ExpirySettled(
    string VaultId,
    string Market,
    decimal SettlementPrice,
    decimal Value,
    decimal SizeBefore,
    decimal RealizedPnl,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>Why liquidation closed one of the vault's own positions.</summary>
public enum ForcedCloseCause
{
    /// <summary>Auto-deleveraging: the vault was the profitable counterparty (or the account deleveraged) at the ADL price.</summary>
    Adl,

    /// <summary>The vault itself was liquidated and the insurance fund took the position over at the bankruptcy price.</summary>
    InsuranceTakeover,
}

/// <summary>
/// Liquidation closed <see cref="Quantity"/> (signed, the vault's side of the trade) of one of the vault's positions at
/// <see cref="Price"/> outside the book — ADL against the vault, or the fund taking over the vault's own position — as
/// margin closed it (its ADL / INSURANCE_TRANSFER entry on the vault's account is <see cref="RealizedPnl"/>).
/// </summary>
[EventType("vault.position-force-closed.v1")]
public sealed record PositionForceClosed(
    string VaultId,
    string Market,
    ForcedCloseCause Cause,
    string Reference,
    decimal Quantity,
    decimal Price,
    decimal RealizedPnl,
    decimal SizeAfter,
    decimal CostAfter,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>
/// The insurance fund covered a deficit left on the vault's account after its positions were closed (an
/// INSURANCE_TRANSFER entry from system:insurance-fund crediting it), counted once per ledger entry.
/// </summary>
[EventType("vault.deficit-covered.v1")]
public sealed record DeficitCovered(
    string VaultId,
    string Market,
    string Reference,
    string EntryId,
    string Asset,
    decimal Amount,
    long LedgerSequence,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>
/// The liquidation engine handed the vault a position at the bankruptcy price (backstop). <see cref="LossAtMark"/> is
/// what the takeover cost marked at <see cref="MarkPrice"/> (negative: the vault gained).
/// </summary>
[EventType("vault.backstop-taken-over.v1")]
public sealed record BackstopTakenOver(
    string VaultId,
    string LiquidationId,
    string LiquidatedAccountId,
    string Market,
    VaultSide Side,
    decimal Size,
    decimal BankruptcyPrice,
    decimal MarkPrice,
    decimal LossAtMark,
    decimal RealizedPnl,
    decimal SizeAfter,
    decimal CostAfter,
    DateTimeOffset At,
    MessageSource Source,
    IReadOnlyList<VaultPosting> Postings);

/// <summary>
/// The vault's NAV at a time (the share price history), with the fee income booked since the start (trading, liquidation)
/// so the history shows what fees added, and the funding since the start (net: positive received, negative paid) and the
/// liquidation fees the vault itself paid; points stored before those fields read as zero.
/// </summary>
[EventType("vault.nav-struck.v1")]
public sealed record NavStruck(
    string VaultId,
    DateTimeOffset At,
    decimal Collateral,
    decimal UnrealizedPnl,
    decimal FeesOwed,
    decimal Nav,
    decimal Shares,
    decimal SharePrice,
    decimal TradingFeeIncome = 0m,
    decimal LiquidationFeeIncome = 0m,
    decimal Funding = 0m,
    decimal LiquidationFeesPaid = 0m);

public static class VaultEventTypes
{
    public static IReadOnlyList<Type> All { get; } =
    [
        typeof(VaultDeposited), typeof(DepositReturned), typeof(WithdrawalRequested), typeof(WithdrawalCancelled), typeof(WithdrawalDeferred), typeof(WithdrawalPaid),
        typeof(VaultFilled), typeof(VaultFeesPaid), typeof(FeeShareAccrued), typeof(FeeIncomeBooked), typeof(FundingBooked), typeof(LiquidationFeePaid), typeof(ExpirySettled), typeof(PositionForceClosed), typeof(DeficitCovered), typeof(BackstopTakenOver),
        typeof(NavStruck),
    ];
}
