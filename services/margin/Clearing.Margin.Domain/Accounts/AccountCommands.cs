namespace Clearing.Margin.Domain.Accounts;

/// <summary>The public message a decision applies (the inbox record); null for gRPC commands.</summary>
public sealed record MessageSource(string Stream, long Sequence);

public sealed record Deposit(string AccountId, string Asset, decimal Amount, string Reference, DateTimeOffset At);

public sealed record Withdraw(string AccountId, string Asset, decimal Amount, string Reference, DateTimeOffset At);

public sealed record TransferBetweenSubAccounts(string FromAccountId, string ToAccountId, string Asset, decimal Amount, string Reference, DateTimeOffset At);

/// <summary>
/// An LP moves collateral from its account to an LP vault's trading account (<see cref="VaultAccountId"/>, "vault-{id}").
/// <see cref="Reference"/> is the deposit id the vault mints shares against.
/// </summary>
public sealed record DepositToVault(string AccountId, string VaultAccountId, string Asset, decimal Amount, string Reference, DateTimeOffset At);

/// <summary>
/// The vault pays <see cref="Amount"/> from its trading account to an LP (a withdrawal at the payout-time NAV, or a deposit
/// it returned): decided by the vault, which has already burned the shares, so margin books it without a margin check.
/// </summary>
public sealed record PayFromVault(string VaultAccountId, string LpAccountId, string Asset, decimal Amount, string Reference, string Reason, MessageSource Source, DateTimeOffset At);

/// <summary>
/// The other half of a vault transfer whose ledger entry was booked on the paying side's stream: credits (or debits) the
/// counterpart's balance by <see cref="Amount"/> (signed). <see cref="Source"/> is that entry in "ledger-main": the
/// counterpart's inbox records it, so the half is applied once however often the ledger is read again.
/// </summary>
public sealed record MirrorVaultTransfer(string AccountId, LedgerKind Kind, string Reference, string Asset, decimal Amount, MessageSource Source, DateTimeOffset At);

/// <summary>
/// One side of a fill, as the account that traded it sees it: <see cref="Quantity"/> signed (+ bought, − sold),
/// <see cref="Fee"/> in <see cref="FeeAsset"/> (negative: a rebate), and for isolated margin the collateral the
/// order asked to pin.
/// </summary>
public sealed record FillSide(
    string AccountId,
    string Market,
    string FillId,
    decimal Quantity,
    decimal Price,
    decimal Fee,
    string FeeAsset,
    bool Isolated,
    decimal IsolatedCollateral);

/// <summary>The sides of one fill that belong to this owner (both, for a trade between two of its sub-accounts).</summary>
public sealed record BookFill(IReadOnlyList<FillSide> Sides, MessageSource Source, DateTimeOffset At);

/// <summary>A funding rate fixed for <see cref="Market"/>: payment = −size × mark × rate on every open position.</summary>
public sealed record ApplyFunding(string Market, decimal Rate, decimal MarkPrice, string Reference, MessageSource Source, DateTimeOffset At);

public sealed record ChargeLiquidationFee(string AccountId, string Market, decimal Fee, string Reference, MessageSource Source, DateTimeOffset At);

/// <summary>
/// Close up to |<see cref="Quantity"/>| of the position at <see cref="Price"/> (the bankruptcy price or the ADL
/// price), without fees; when <see cref="Receiver"/> is set it takes the position over at that price (the insurance
/// fund). <see cref="CoverDeficit"/>: once the position is gone, the insurance fund pays any negative quote balance.
/// </summary>
public sealed record ClosePosition(
    string AccountId,
    string Market,
    decimal Quantity,
    decimal Price,
    PositionChange Cause,
    string Reference,
    bool CoverDeficit,
    MessageSource Source,
    DateTimeOffset At);

/// <summary>The insurance fund (or an ADL counterparty) opens/changes a position at a price without fees.</summary>
public sealed record TakeOverPosition(string AccountId, string Market, decimal Quantity, decimal Price, PositionChange Cause, string Reference, MessageSource Source, DateTimeOffset At);

/// <summary>Cash settlement of an expiring future or option at the settlement price.</summary>
public sealed record SettleExpiry(string Market, decimal SettlementPrice, string Reference, MessageSource Source, DateTimeOffset At);

/// <summary>
/// A fee share paid out at an epoch end (settlement's FeesDistributed): out of <see cref="PaidFrom"/>, the fee pool (its
/// split) or the insurance fund (the LP vault's share of liquidation fees).
/// </summary>
public sealed record CreditFeeShare(string AccountId, string Asset, decimal Amount, string Reference, MessageSource Source, DateTimeOffset At,
    string PaidFrom = SystemAccounts.FeePool);

/// <summary>
/// Liquidation's LiquidationCompleted with last = true: the case <see cref="LiquidationId"/> of <see cref="AccountId"/> is
/// over. <see cref="LeftUncovered"/>: it ended with quantity neither the book, the fund nor ADL took.
/// <see cref="FillsThrough"/>: source stream → sequence of the case's last slice fill in each book it traded.
/// </summary>
public sealed record LiquidationFinished(string AccountId, string LiquidationId, bool LeftUncovered, MessageSource Source, DateTimeOffset At,
    IReadOnlyDictionary<string, long>? FillsThrough = null);

/// <summary>Revalue at new prices; emits risk events only when a band is crossed.</summary>
public sealed record Revalue(string TriggerAsset, long TriggerSequence, DateTimeOffset At);

/// <summary>A domain refusal with the reason (and its numbers) for the caller.</summary>
public class AccountRuleException(string message) : InvalidOperationException(message);
