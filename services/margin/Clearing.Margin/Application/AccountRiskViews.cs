using System.Text.Json;
using Clearing.Contracts.ReadModels;
using Clearing.Dapr.State;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Margin.Application;

/// <summary>Writes the public <see cref="AccountRiskView"/> of every sub-account of an owner to the state store.</summary>
public sealed class AccountRiskViews(IStateStore store)
{
    public static AccountRiskView ToView(AccountRiskSnapshot risk, long version, DateTimeOffset asOf, bool liquidating) => new()
    {
        AccountId = risk.AccountId,
        Version = version,
        AsOf = asOf,
        Equity = risk.Equity,
        CollateralValue = risk.CollateralValue,
        UnrealizedPnl = risk.UnrealizedPnl,
        InitialRequirement = risk.InitialRequirement,
        MaintenanceRequirement = risk.MaintenanceRequirement,
        AvailableMargin = risk.AvailableMargin,
        Health = risk.Health,
        Band = BandName(risk.Band),
        Liquidating = liquidating,
        Positions = risk.Positions.Select(p => new PositionView(p.Market, p.Size, p.EntryPrice, p.MarkPrice, p.UnrealizedPnl, p.Isolated,
            p.IsolatedCollateral, p.InitialRequirement, p.MaintenanceRequirement)).ToList(),
        Greeks = risk.Greeks.Select(g => new GreeksView(g.Underlying, g.Expiry, (double)g.Delta, (double)g.Gamma, (double)g.Vega, (double)g.Theta)).ToList(),
    };

    public static string BandName(HealthBand band) => band switch
    {
        HealthBand.Healthy => "healthy",
        HealthBand.Warning => "warning",
        HealthBand.Liquidation => "liquidation",
        _ => "bankrupt",
    };

    /// <summary>Last write wins per key: the view is rewritten whole after every change, and carries the stream version.</summary>
    public async Task WriteAsync(IEnumerable<AccountRiskView> views, CancellationToken cancellationToken)
    {
        var operations = views
            .Select(v => StateOperation.Upsert(AccountRiskView.KeyFor(v.AccountId), JsonSerializer.SerializeToUtf8Bytes(v, MarginJsonContext.Default.AccountRiskView), WriteCondition.Unconditional))
            .ToList();
        if (operations.Count > 0)
        {
            await store.ExecuteTransactionAsync(operations, cancellationToken);
        }
    }

    public async Task<AccountRiskView?> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        var entry = await store.GetAsync(AccountRiskView.KeyFor(accountId), MarginJsonContext.Default.AccountRiskView, cancellationToken);
        return entry?.Value;
    }
}
