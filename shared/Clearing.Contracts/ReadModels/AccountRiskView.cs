namespace Clearing.Contracts.ReadModels;

/// <summary>
/// Public read model margin keeps per account in the state store (Dapr state when enabled, margin's embedded SQLite
/// state store otherwise) under <see cref="KeyFor"/>, as JSON (web defaults: camelCase). The order gateway reads it
/// for the pre-trade margin-headroom check. Amounts are exact decimals; <see cref="Version"/> is the account stream
/// version it reflects, so a reader can tell which of two views is newer.
/// </summary>
public sealed record AccountRiskView
{
    public const string StateStoreName = "margin-risk";

    public static string KeyFor(string accountId) => $"account-risk:{accountId}";

    public required string AccountId { get; init; }
    public long Version { get; init; }
    public DateTimeOffset AsOf { get; init; }
    public decimal Equity { get; init; }
    public decimal CollateralValue { get; init; }
    public decimal UnrealizedPnl { get; init; }
    public decimal InitialRequirement { get; init; }
    public decimal MaintenanceRequirement { get; init; }
    /// <summary>Equity − initial requirement: what new risk may still consume (cross margin).</summary>
    public decimal AvailableMargin { get; init; }
    /// <summary>Equity / maintenance requirement; null when there is no requirement.</summary>
    public decimal? Health { get; init; }
    /// <summary>"healthy", "warning", "liquidation", "bankrupt".</summary>
    public string Band { get; init; } = "healthy";
    public bool Liquidating { get; init; }
    public IReadOnlyList<PositionView> Positions { get; init; } = [];
    public IReadOnlyList<GreeksView> Greeks { get; init; } = [];
}

public sealed record PositionView(string Market, decimal Size, decimal EntryPrice, decimal MarkPrice, decimal UnrealizedPnl,
    bool Isolated, decimal IsolatedCollateral, decimal InitialRequirement, decimal MaintenanceRequirement);

/// <summary>Portfolio Greeks per underlying and expiry (null expiry: perpetuals). Model outputs, not money: doubles.</summary>
public sealed record GreeksView(string Underlying, DateTimeOffset? Expiry, double Delta, double Gamma, double Vega, double Theta);
