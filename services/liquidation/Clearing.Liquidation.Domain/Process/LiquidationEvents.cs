using Clearing.EventSourcing;

namespace Clearing.Liquidation.Domain.Process;

/// <summary>Which way the liquidated account trades to close: a long sells, a short buys.</summary>
public enum CloseSide
{
    Sell,
    Buy,
}

// Stored in "liquidation-{account}". Every published one says account, market, sizes, prices and why (issue 5).
// Sizes here are absolute quantities; CloseSide says which way the liquidated account's position shrinks.

/// <summary>A market's part of a liquidation begins: the position as margin valued it and how much of it will be closed.</summary>
[EventType("liquidation.started.v1")]
public sealed record LiquidationStarted(
    string AccountId,
    string LiquidationId,
    string Market,
    DateTimeOffset At,
    decimal PositionSize,
    decimal EntryPrice,
    decimal MarkPrice,
    decimal BankruptcyPrice,
    decimal Equity,
    decimal MaintenanceRequirement,
    decimal Target,
    decimal SliceCap,
    bool Bankrupt,
    string Reason,
    MessageSource? Source);

/// <summary>A newer risk event for an account already in liquidation: fresher marks and bankruptcy prices, maybe a wider target.</summary>
[EventType("liquidation.risk-refreshed.v1")]
public sealed record LiquidationRiskRefreshed(
    string AccountId,
    string LiquidationId,
    DateTimeOffset At,
    decimal Equity,
    bool Bankrupt,
    IReadOnlyList<MarketRefresh> Markets,
    MessageSource Source);

public sealed record MarketRefresh(string Market, decimal MarkPrice, decimal BankruptcyPrice, decimal Target);

/// <summary>The account's open orders in the market are cancelled before anything is sold (published as OrderCommand cancel_all).</summary>
[EventType("liquidation.orders-cancelled.v1")]
public sealed record OpenOrdersCancelled(string AccountId, string LiquidationId, string Market, string CommandId, DateTimeOffset At);

/// <summary>A reduce-only IOC limit order, never worse than the bankruptcy price (published as OrderCommand place).</summary>
[EventType("liquidation.slice-placed.v1")]
public sealed record SlicePlaced(
    string AccountId,
    string LiquidationId,
    string Market,
    string OrderId,
    string CommandId,
    CloseSide Side,
    decimal Quantity,
    decimal LimitPrice,
    decimal MarkPrice,
    decimal BankruptcyPrice,
    DateTimeOffset At,
    DateTimeOffset Deadline,
    DateTimeOffset NextSliceNotBefore);

[EventType("liquidation.slice-filled.v1")]
public sealed record SliceFilled(
    string AccountId,
    string LiquidationId,
    string Market,
    string OrderId,
    string FillId,
    CloseSide Side,
    decimal Quantity,
    decimal Price,
    decimal LiquidationFee,
    decimal RemainingPosition,
    DateTimeOffset At,
    MessageSource? Source);

/// <summary>A slice ended with quantity the book did not take (IOC remainder, rejection, or no answer in time).</summary>
[EventType("liquidation.slice-ended.v1")]
public sealed record SliceEnded(
    string AccountId,
    string LiquidationId,
    string Market,
    string OrderId,
    decimal Unfilled,
    string Reason,
    DateTimeOffset At,
    MessageSource? Source);

/// <summary>
/// Stage 2: the insurance fund takes over <see cref="Size"/> at the bankruptcy price. <see cref="FundChange"/> is the
/// fund's value change marked at <see cref="MarkPrice"/> (negative: a payout, <see cref="LossCovered"/> = −change).
/// </summary>
[EventType("liquidation.transferred-to-fund.v1")]
public sealed record TransferredToFund(
    string AccountId,
    string LiquidationId,
    string Market,
    string FundAccountId,
    CloseSide Side,
    decimal Size,
    decimal BankruptcyPrice,
    decimal MarkPrice,
    decimal FundChange,
    decimal LossCovered,
    decimal FundBalanceAfter,
    string Reason,
    DateTimeOffset At);

/// <summary>
/// Stage 2a (issue 10): the LP vault takes over <see cref="Size"/> at the bankruptcy price before the insurance fund,
/// within its loss caps. <see cref="LossTaken"/> = size × |bankruptcy − mark| when the account is bankrupt (0 when the
/// takeover is worth something at the mark); <see cref="MarketLossLeft"/> and <see cref="DailyLossLeft"/> are what the
/// vault's caps still allowed after it.
/// </summary>
[EventType("liquidation.transferred-to-vault.v1")]
public sealed record TransferredToVault(
    string AccountId,
    string LiquidationId,
    string Market,
    string VaultId,
    string VaultAccountId,
    CloseSide Side,
    decimal Size,
    decimal BankruptcyPrice,
    decimal MarkPrice,
    decimal LossTaken,
    decimal MarketLossLeft,
    decimal DailyLossLeft,
    string Reason,
    DateTimeOffset At);

/// <summary>Stage 3: an opposing position closed against the bankrupt one at the bankruptcy price; who, how much and why.</summary>
[EventType("liquidation.adl-executed.v1")]
public sealed record AdlExecuted(
    string AccountId,
    string LiquidationId,
    string Market,
    string CounterpartyAccountId,
    CloseSide Side,
    decimal Size,
    decimal Price,
    decimal MarkPrice,
    decimal CounterpartySizeBefore,
    int Rank,
    decimal Profit,
    decimal Leverage,
    decimal RankScore,
    decimal LossAbsorbed,
    string Reason,
    DateTimeOffset At);

/// <summary>
/// A market's part of a liquidation ends. <see cref="UncoveredLoss"/> is loss nobody (fund, ADL) took: recorded, never hidden.
/// <see cref="Last"/>: the account's liquidation is over.
/// </summary>
[EventType("liquidation.completed.v1")]
public sealed record LiquidationCompleted(
    string AccountId,
    string LiquidationId,
    string Market,
    decimal ClosedInBook,
    decimal TakenByFund,
    decimal Deleveraged,
    decimal UncoveredSize,
    decimal UncoveredLoss,
    decimal LiquidationFees,
    bool Last,
    DateTimeOffset At,
    decimal TakenByVault = 0m,
    IReadOnlyDictionary<string, long>? FillsThrough = null);

public static class LiquidationEventTypes
{
    public static IReadOnlyList<Type> All { get; } =
    [
        typeof(LiquidationStarted), typeof(LiquidationRiskRefreshed), typeof(OpenOrdersCancelled), typeof(SlicePlaced),
        typeof(SliceFilled), typeof(SliceEnded), typeof(TransferredToFund), typeof(AdlExecuted), typeof(LiquidationCompleted),
        typeof(TransferredToVault),
    ];
}
