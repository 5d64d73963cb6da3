namespace Clearing.Cli.Stack;

/// <summary>
/// The nine services `clearing up` runs, in start order (producers of prices and orders first). The vault comes last: it
/// trades through the order gateway like any trader, so it needs the others up first.
/// </summary>
internal static class ServiceCatalog
{
    public static IReadOnlyList<ServiceSpec> All { get; } =
    [
        new("oracle-ingest", "Clearing.OracleIngest", "oracle-ingest"),
        new("matching", "Clearing.Matching", "matching"),
        new("margin", "Clearing.Margin", "margin"),
        new("order-gateway", "Clearing.OrderGateway", "order-gateway"),
        new("funding", "Clearing.Funding", "funding"),
        new("liquidation", "Clearing.Liquidation", "liquidation"),
        new("settlement", "Clearing.Settlement", "settlement"),
        new("governance", "Clearing.Governance", "governance"),
        new("vault", "Clearing.Vault", "vault"),
    ];
}

/// <param name="Name">The service name (Clearing:ServiceName, log prefix).</param>
/// <param name="Assembly">The host assembly, e.g. Clearing.Margin.dll.</param>
/// <param name="Folder">Its folder under services/.</param>
internal sealed record ServiceSpec(string Name, string Assembly, string Folder);
