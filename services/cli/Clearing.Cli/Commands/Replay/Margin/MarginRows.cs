using System.Globalization;
using System.Text.Json.Nodes;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// The comparable shape of margin's rows. Money is compared as canonical decimal text ("1.50" and "1.5" are the same
/// amount, and JSON numbers would go through double), so a diff is about values, never about formatting.
/// </summary>
internal static class MarginRows
{
    public const string RiskKeyPrefix = "account-risk:";

    public static string Text(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    /// <summary>
    /// The part of a sub-account's public risk view (AccountRiskView) that the store alone decides: the stream version
    /// it was written at, whether the stored band is liquidating, and each position's size, entry and isolated pin.
    /// Marks, PnL, requirements and the current band depend on the prices margin held when it wrote the view (prices
    /// are not margin events), so they cannot be rebuilt and are left out on both sides.
    /// </summary>
    public static JsonObject RiskRow(long version, SubAccount sub) => new()
    {
        ["version"] = version,
        ["liquidating"] = sub.Band is HealthBand.Liquidation or HealthBand.Bankrupt,
        ["positions"] = Positions(sub.Positions.Values.Select(p => (p.Market, p.Size, p.EntryPrice, p.Isolated, p.IsolatedCollateral))),
    };

    /// <summary>The same fields read from a live AccountRiskView (camelCase JSON, as margin writes it).</summary>
    public static JsonObject RiskRow(JsonNode view)
    {
        var positions = view["positions"]?.AsArray() ?? [];
        return new JsonObject
        {
            ["version"] = view["version"]?.GetValue<long>() ?? 0,
            ["liquidating"] = view["liquidating"]?.GetValue<bool>() ?? false,
            ["positions"] = Positions(positions.Select(p => (
                p!["market"]!.GetValue<string>(),
                Decimal(p["size"]),
                Decimal(p["entryPrice"]),
                p["isolated"]?.GetValue<bool>() ?? false,
                Decimal(p["isolatedCollateral"])))),
        };
    }

    private static JsonArray Positions(IEnumerable<(string Market, decimal Size, decimal Entry, bool Isolated, decimal Pin)> positions) =>
        new(positions.OrderBy(p => p.Market, StringComparer.Ordinal).Select(p => (JsonNode)new JsonObject
        {
            ["market"] = p.Market,
            ["size"] = Text(p.Size),
            ["entryPrice"] = Text(p.Entry),
            ["isolated"] = p.Isolated,
            ["isolatedCollateral"] = Text(p.Pin),
        }).ToArray());

    private static decimal Decimal(JsonNode? node) => node is null ? 0m : node.GetValue<decimal>();

    public static JsonObject LedgerRow(LedgerEntryRecorded entry) => new()
    {
        ["entryId"] = entry.EntryId,
        ["kind"] = entry.Kind.ToString(),
        ["reference"] = entry.Reference,
        ["market"] = entry.Market,
        ["accountId"] = entry.AccountId,
        ["postings"] = new JsonArray(entry.Postings.Select(p => (JsonNode)new JsonObject
        {
            ["accountId"] = p.AccountId,
            ["asset"] = p.Asset,
            ["amount"] = Text(p.Amount),
        }).ToArray()),
        ["at"] = entry.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        ["source"] = $"{entry.SourceStream}@{entry.SourceVersion.ToString(CultureInfo.InvariantCulture)}#{entry.LineIndex.ToString(CultureInfo.InvariantCulture)}",
    };

    public static string LedgerKey(long sequence) => $"ledger:{sequence.ToString("D10", CultureInfo.InvariantCulture)}";
}
