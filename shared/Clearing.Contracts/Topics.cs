namespace Clearing.Contracts;

/// <summary>
/// Every public Kafka topic, named once. Helm values repeat these names (deploy/helm/clearing/values.yaml);
/// a test keeps the two lists equal. The message key is always the aggregate id (market or account).
/// </summary>
public static class Topics
{
    public const string OrderCommands = "clearing.orders.commands.v1";
    public const string MatchingEvents = "clearing.matching.events.v1";
    public const string MarginRisk = "clearing.margin.risk.v1";
    public const string MarginLedger = "clearing.margin.ledger.v1";
    public const string OraclePrices = "clearing.oracle.prices.v1";
    public const string FundingEvents = "clearing.funding.events.v1";
    public const string LiquidationEvents = "clearing.liquidation.events.v1";
    public const string SettlementEvents = "clearing.settlement.events.v1";
    public const string VaultEvents = "clearing.vault.events.v1";
    public const string GovernanceParams = "clearing.governance.params.v1";
    public const string DeadLetters = "clearing.dlq.v1";

    public static IReadOnlyList<string> All { get; } =
    [
        OrderCommands, MatchingEvents, MarginRisk, MarginLedger, OraclePrices, FundingEvents,
        LiquidationEvents, SettlementEvents, VaultEvents, GovernanceParams, DeadLetters,
    ];
}
