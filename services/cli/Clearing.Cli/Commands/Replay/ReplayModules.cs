namespace Clearing.Cli.Commands.Replay;

/// <summary>
/// The services `clearing replay` can fold (time travel) and, for margin, rebuild and diff; every service has one. A
/// stream no module folds still gets its events listed, counted and republished raw.
/// </summary>
internal static class ReplayModules
{
    private static readonly Dictionary<string, Func<IReplayModule>> Known = new(StringComparer.Ordinal)
    {
        ["margin"] = () => new Margin.MarginReplayModule(),
        ["matching"] = () => new Matching.MatchingReplayModule(),
        ["order-gateway"] = () => new OrderGateway.OrderGatewayReplayModule(),
        ["oracle-ingest"] = () => new OracleIngest.OracleIngestReplayModule(),
        ["funding"] = () => new Funding.FundingReplayModule(),
        ["liquidation"] = () => new Liquidation.LiquidationReplayModule(),
        ["settlement"] = () => new Settlement.SettlementReplayModule(),
        ["vault"] = () => new Vault.VaultReplayModule(),
        ["governance"] = () => new Governance.GovernanceReplayModule(),
    };

    public static IReplayModule? For(string service) => Known.TryGetValue(service, out var create) ? create() : null;
}
