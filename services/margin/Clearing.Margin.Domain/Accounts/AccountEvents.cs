using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>An event about one trading account (its owner is the aggregate).</summary>
public interface IAccountEvent
{
    string AccountId { get; }
}

/// <summary>An account event that moves money: its balanced ledger lines, in order.</summary>
public interface IMovesMoney : IAccountEvent
{
    IReadOnlyList<LedgerLine> LedgerLines { get; }
}

// Stored in "account-{owner}" (JSON). AccountId is always the full trading id ("acct-1", "acct-1:2").

/// <summary>An operator credited collateral (MarginAdmin.CreditCollateral): a deposit from outside.</summary>
[EventType("margin.collateral-credited.v1")]
public sealed record CollateralCredited(
    string AccountId,
    string Asset,
    decimal Amount,
    string Reference,
    string Reason,
    string CreditedBy,
    DateTimeOffset CreditedAt) : IMovesMoney
{
    [JsonIgnore]
    public IReadOnlyList<LedgerLine> LedgerLines =>
        [LedgerLine.Between(LedgerKind.Deposit, Reference, "", Asset, AccountId, SystemAccounts.External, Amount)];
}

/// <summary>A deposit through Accounts.Deposit.</summary>
[EventType("margin.deposited.v1")]
public sealed record Deposited(string AccountId, string Asset, decimal Amount, string Reference, DateTimeOffset At) : IMovesMoney
{
    [JsonIgnore]
    public IReadOnlyList<LedgerLine> LedgerLines =>
        [LedgerLine.Between(LedgerKind.Deposit, Reference, "", Asset, AccountId, SystemAccounts.External, Amount)];
}

/// <summary>A withdrawal that passed the initial-margin check; the numbers it was allowed on are kept.</summary>
[EventType("margin.withdrawn.v1")]
public sealed record Withdrawn(
    string AccountId,
    string Asset,
    decimal Amount,
    string Reference,
    DateTimeOffset At,
    decimal EquityForNewRiskAfter,
    decimal InitialRequirementAfter) : IMovesMoney
{
    [JsonIgnore]
    public IReadOnlyList<LedgerLine> LedgerLines =>
        [LedgerLine.Between(LedgerKind.Withdrawal, Reference, "", Asset, SystemAccounts.External, AccountId, Amount)];
}

/// <summary>Collateral moved between two sub-accounts of one owner (one append: atomic).</summary>
[EventType("margin.subaccount-transferred.v1")]
public sealed record SubAccountTransferred(
    string AccountId,
    string ToAccountId,
    string Asset,
    decimal Amount,
    string Reference,
    DateTimeOffset At) : IMovesMoney
{
    [JsonIgnore]
    public IReadOnlyList<LedgerLine> LedgerLines =>
        [LedgerLine.Between(LedgerKind.Transfer, Reference, "", Asset, ToAccountId, AccountId, Amount)];
}

/// <summary>
/// An LP's collateral moved into an LP vault's trading account: one ledger entry, LP debited and vault credited. Stored
/// in the LP's stream (which Evolve debits: postings of other owners are skipped); the vault account's stream gets the
/// credit as a <see cref="VaultTransferMirrored"/> from the same entry. The numbers the initial-margin check allowed it on are kept.
/// </summary>
[EventType("margin.vault-deposit-booked.v1")]
public sealed record VaultDepositBooked(
    string AccountId,
    string VaultAccountId,
    string Asset,
    decimal Amount,
    string Reference,
    DateTimeOffset At,
    decimal EquityForNewRiskAfter,
    decimal InitialRequirementAfter) : IMovesMoney
{
    [JsonIgnore]
    public IReadOnlyList<LedgerLine> LedgerLines =>
        [LedgerLine.Between(LedgerKind.VaultDeposit, Reference, "", Asset, VaultAccountId, AccountId, Amount)];
}

/// <summary>
/// The vault paid an LP from its trading account (a withdrawal, or a deposit it returned): one ledger entry, stored in the
/// vault account's stream; the LP's stream gets the credit as a <see cref="VaultTransferMirrored"/>.
/// </summary>
[EventType("margin.vault-payout-booked.v1")]
public sealed record VaultPayoutBooked(
    string AccountId,
    string LpAccountId,
    string Asset,
    decimal Amount,
    string Reference,
    string Reason,
    DateTimeOffset At) : IMovesMoney
{
    [JsonIgnore]
    public IReadOnlyList<LedgerLine> LedgerLines =>
        [LedgerLine.Between(LedgerKind.VaultWithdrawal, Reference, "", Asset, LpAccountId, AccountId, Amount)];
}

/// <summary>
/// The counterpart's half of a vault transfer booked on another owner's stream: its balance changes by
/// <see cref="Amount"/>. Not a ledger line of its own (the entry is numbered once, from the paying side), so the ledger
/// projector skips it; <see cref="LedgerSequence"/> names the entry it mirrors.
/// </summary>
[EventType("margin.vault-transfer-mirrored.v1")]
public sealed record VaultTransferMirrored(string AccountId, LedgerKind Kind, string Reference, string Asset, decimal Amount, long LedgerSequence, DateTimeOffset At) : IAccountEvent;

/// <summary>Why a position changed.</summary>
public enum PositionChange
{
    Fill = 1,
    Funding = 2,
    InsuranceTakeover = 3,
    Adl = 4,
    ExpirySettlement = 5,

    /// <summary>Liquidation handed the position to the LP vault at the bankruptcy price (before the insurance fund).</summary>
    VaultTakeover = 6,
}

/// <summary>
/// A position changed: a fill (either side), a funding payment, a transfer to the insurance fund, an ADL close or
/// expiry settlement. <see cref="Quantity"/> is the signed size traded (0 for funding), <see cref="After"/> the whole
/// position afterwards (size 0 = closed), <see cref="LedgerLines"/> the money it moved (realized PnL, fee or
/// rebate, funding). Decide computed all of it; Evolve only stores it.
/// </summary>
[EventType("margin.position-changed.v1")]
public sealed record PositionChanged(
    string AccountId,
    string Market,
    PositionChange Cause,
    string Reference,
    decimal Quantity,
    decimal Price,
    Position After,
    IReadOnlyList<LedgerLine> LedgerLines,
    DateTimeOffset At) : IMovesMoney;

/// <summary>Money moved without a position change: a liquidation fee, the insurance fund covering a deficit.</summary>
[EventType("margin.money-moved.v1")]
public sealed record MoneyMoved(
    string AccountId,
    string Reason,
    IReadOnlyList<LedgerLine> LedgerLines,
    DateTimeOffset At) : IMovesMoney;

/// <summary>Which public risk event a <see cref="RiskEventRecorded"/> becomes.</summary>
public enum RiskEventKind
{
    HealthChanged = 1,
    MarginCall = 2,
    LiquidationRequired = 3,
    Bankrupt = 4,
}

/// <summary>
/// A band crossing, stored first and published by the outbox as clearing.margin.v1.RiskEvent. One crossing is a
/// HealthChanged plus, when the new band asks for it, a MarginCall / LiquidationRequired / Bankrupt; each has its own
/// gap-free <see cref="Sequence"/> per account id. <see cref="Risk"/> holds the numbers that caused it.
/// </summary>
[EventType("margin.risk-event-recorded.v1")]
public sealed record RiskEventRecorded(
    string AccountId,
    long Sequence,
    RiskEventKind Kind,
    HealthBand From,
    HealthBand To,
    AccountRiskSnapshot Risk,
    decimal WarningThreshold,
    decimal Shortfall,
    decimal ToRestoreInitial,
    decimal Deficit,
    DateTimeOffset At) : IAccountEvent;

/// <summary>
/// A liquidation case finished before margin booked all of its slice fills (they come on matching's topic, the end on
/// liquidation's): judging the account now would see a position the book has already reduced, so the check whether to
/// ask again waits until every stream in <see cref="WaitingFor"/> reaches its sequence.
/// </summary>
[EventType("margin.liquidation-recheck-deferred.v1")]
public sealed record LiquidationRecheckDeferred(string AccountId, string LiquidationId, IReadOnlyDictionary<string, long> WaitingFor, DateTimeOffset At) : IAccountEvent;

/// <summary>The deferred check ran, with the case's last fill booked.</summary>
[EventType("margin.liquidation-rechecked.v1")]
public sealed record LiquidationRechecked(string AccountId, string LiquidationId, DateTimeOffset At) : IAccountEvent;

/// <summary>The inbox record of one consumed public message: appended last by every decision that applies one.</summary>
[EventType("margin.message-applied.v1")]
public sealed record MessageApplied(string SourceStream, long SourceSequence);
