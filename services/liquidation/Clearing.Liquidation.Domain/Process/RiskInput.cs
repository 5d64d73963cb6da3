namespace Clearing.Liquidation.Domain.Process;

public enum RiskKind
{
    HealthChanged,
    MarginCall,
    LiquidationRequired,
    Bankrupt,
}

/// <summary>One position as margin valued it (AccountRisk.positions). Size is signed: positive long, negative short.</summary>
public sealed record PositionRiskInput(
    string Market,
    decimal Size,
    decimal EntryPrice,
    decimal MarkPrice,
    decimal MaintenanceRequirement,
    decimal BankruptcyPrice);

/// <summary>
/// Margin's risk event as liquidation reads it: the account's numbers and positions when it was revalued, plus what
/// liquidation must restore (LiquidationRequired.to_restore_initial) or cover (AccountBankrupt.deficit).
/// </summary>
public sealed record RiskInput(
    string AccountId,
    RiskKind Kind,
    DateTimeOffset At,
    decimal Equity,
    decimal InitialRequirement,
    decimal MaintenanceRequirement,
    decimal ToRestoreInitial,
    IReadOnlyList<PositionRiskInput> Positions,
    MessageSource Source)
{
    public bool IsBankrupt => Kind == RiskKind.Bankrupt || Equity < 0;

    /// <summary>Equity / maintenance; null when nothing is required.</summary>
    public decimal? Health => MaintenanceRequirement > 0 ? Equity / MaintenanceRequirement : null;
}

/// <summary>A fill of one of the account's liquidation orders (matched by order id).</summary>
public sealed record SliceFillInput(string OrderId, string Market, string FillId, decimal Quantity, decimal Price, DateTimeOffset At, MessageSource Source);

/// <summary>Matching ended a liquidation order with quantity left: the IOC remainder was cancelled, or the order was rejected.</summary>
public sealed record SliceEndInput(string OrderId, string Market, string Reason, DateTimeOffset At, MessageSource Source);

/// <summary>What the insurance fund can pay for a market right now: its balance and what the market's payout cap still allows.</summary>
/// <summary>
/// What the insurance fund can still pay: its balance, each market's cap left in its window, at most
/// <paramref name="MaxPayoutPerEvent"/> per takeover and <paramref name="DailyPayoutLeft"/> for all markets together
/// (null: no such cap).
/// </summary>
public sealed record FundCapacity(decimal Balance, Func<string, decimal> RemainingCapFor, decimal? MaxPayoutPerEvent = null, decimal? DailyPayoutLeft = null);

/// <summary>
/// An opposing position ADL may close against a bankrupt one. Equity is the account's latest known equity (margin's risk
/// events); null when no risk event was seen for it, in which case leverage counts as 1 (ranked by profit alone).
/// </summary>
public sealed record AdlCandidate(string AccountId, decimal Size, decimal EntryPrice, decimal? Equity);
