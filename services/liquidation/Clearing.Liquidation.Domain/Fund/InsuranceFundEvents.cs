using Clearing.EventSourcing;

namespace Clearing.Liquidation.Domain.Fund;

// Stored in "insurance-fund": the fund's balance history. Every event that moves money says the change, the balance
// after it, and why. Events derived from a liquidation carry that liquidation event's stream and version (Source), so
// the fund applies each exactly once however often the host replays the liquidation streams.

[EventType("insurance-fund.fee-collected.v1")]
public sealed record FundFeeCollected(string AccountId, string LiquidationId, string Market, string OrderId, decimal Change, decimal BalanceAfter, DateTimeOffset At, MessageSource Source);

/// <summary>The fund took over a position at the bankruptcy price; Change is its value marked at the mark (negative: a payout).</summary>
[EventType("insurance-fund.takeover-booked.v1")]
public sealed record FundTakeoverBooked(
    string AccountId,
    string LiquidationId,
    string Market,
    decimal Size,
    decimal BankruptcyPrice,
    decimal MarkPrice,
    decimal Change,
    decimal BalanceAfter,
    DateTimeOffset At,
    MessageSource Source);

/// <summary>An operator (or the treasury) paid into the fund.</summary>
[EventType("insurance-fund.deposited.v1")]
public sealed record FundDeposited(string Reference, decimal Change, decimal BalanceAfter, string By, string Reason, DateTimeOffset At);

/// <summary>An account became bankrupt: until its loss is covered, withdrawals of the affected collateral stay paused.</summary>
[EventType("insurance-fund.bankruptcy-opened.v1")]
public sealed record FundBankruptcyOpened(string AccountId, string LiquidationId, DateTimeOffset At, MessageSource Source);

/// <summary>A bankrupt account's loss was covered in full (fund, ADL).</summary>
[EventType("insurance-fund.bankruptcy-closed.v1")]
public sealed record FundBankruptcyClosed(string AccountId, string LiquidationId, DateTimeOffset At, MessageSource Source);

/// <summary>
/// Loss neither the fund nor ADL could take: recorded against the account, and withdrawals stay paused. <see cref="Loss"/>
/// is the position's deficit as this case measured it (zero: a later case covered it); it replaces the figure an earlier
/// case recorded for the same account and market, and <see cref="TotalUncovered"/> is the account's sum of those.
/// </summary>
[EventType("insurance-fund.uncovered-loss-recorded.v1")]
public sealed record FundUncoveredLossRecorded(string AccountId, string LiquidationId, string Market, decimal Loss, decimal TotalUncovered, DateTimeOffset At, MessageSource Source);

/// <summary>
/// Withdrawals of <see cref="Asset"/> paused or resumed. Liquidation only publishes the state; margin refuses the
/// withdrawals while it is paused.
/// </summary>
[EventType("insurance-fund.withdrawals-paused-changed.v1")]
public sealed record WithdrawalsPauseChanged(string Asset, bool Paused, IReadOnlyList<string> BankruptAccounts, decimal UncoveredLoss, string Reason, DateTimeOffset At);

public static class InsuranceFundEventTypes
{
    public static IReadOnlyList<Type> All { get; } =
    [
        typeof(FundFeeCollected), typeof(FundTakeoverBooked), typeof(FundDeposited), typeof(FundBankruptcyOpened),
        typeof(FundBankruptcyClosed), typeof(FundUncoveredLossRecorded), typeof(WithdrawalsPauseChanged),
    ];
}
