using System.Globalization;
using System.Text.Json.Nodes;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.Margin.Domain.Stress;

namespace Clearing.Cli.Commands.Stress;

/// <summary>The stress result as one JSON object (`--json`) or as readable lines.</summary>
internal static class StressReport
{
    public static JsonObject ToJson(StressResult result, StressInputs inputs, string source, int top)
    {
        var scenario = result.Scenario;
        var losing = result.Accounts.Where(a => a.LossBeyondCollateral > 0m).ToList();
        return new JsonObject
        {
            ["scenario"] = new JsonObject
            {
                ["name"] = scenario.Name,
                ["defaultMove"] = MarginRows.Text(scenario.DefaultMove),
                ["moves"] = Amounts(scenario.Moves),
                ["defaultVolShift"] = MarginRows.Text(scenario.DefaultVolShift),
                ["volShifts"] = Amounts(scenario.VolShifts),
            },
            ["source"] = new JsonObject
            {
                ["store"] = source,
                ["events"] = inputs.Events,
                ["ledger"] = inputs.LedgerUsed,
            },
            ["prices"] = new JsonObject(inputs.Indexes.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => KeyValuePair.Create(i.Key, (JsonNode?)new JsonObject
            {
                ["before"] = MarginRows.Text(i.Value.Value),
                ["after"] = result.After.Assets.TryGetValue(i.Key, out var after) ? MarginRows.Text(after.Index) : null,
                ["source"] = i.Value.Source,
            }))),
            ["accounts"] = new JsonArray(result.Accounts.Take(top).Select(a => (JsonNode)new JsonObject
            {
                ["accountId"] = a.AccountId,
                ["equityBefore"] = MarginRows.Text(a.EquityBefore),
                ["equityAfter"] = MarginRows.Text(a.EquityAfter),
                ["lossBeyondCollateral"] = MarginRows.Text(a.LossBeyondCollateral),
                ["bandAfter"] = a.BandAfter.ToString().ToLowerInvariant(),
            }).ToArray()),
            ["accountsStressed"] = result.Accounts.Count,
            ["accountsWithLoss"] = losing.Count,
            ["totalLoss"] = MarginRows.Text(result.Cover.TotalLoss),
            ["resources"] = new JsonObject
            {
                ["insuranceFund"] = MarginRows.Text(result.InsuranceFundAfter),
                ["insuranceFundEquity"] = MarginRows.Text(result.InsuranceFundEquity),
                ["vault"] = inputs.Vault.Count > 0 ? MarginRows.Text(result.VaultAfter) : null,
                ["total"] = MarginRows.Text(result.Cover.Resources),
                ["ownDeficit"] = MarginRows.Text(result.Cover.SystemDeficit),
            },
            ["covered"] = result.Cover.Covered,
            ["uncovered"] = MarginRows.Text(result.Cover.Uncovered),
            ["cover2"] = new JsonObject
            {
                ["accounts"] = new JsonArray(result.Cover.Cover2Accounts.Select(a => (JsonNode)a).ToArray()),
                ["loss"] = MarginRows.Text(result.Cover.Cover2Loss),
                ["uncovered"] = MarginRows.Text(result.Cover.Cover2Uncovered),
                ["covered"] = result.Cover.Cover2Covered,
            },
        };
    }

    public static void WriteText(TextWriter output, StressResult result, StressInputs inputs, string source, int top)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"Stress scenario {result.Scenario.Name} on {source} ({inputs.Events.ToString("N0", inv)} events, {result.Accounts.Count} sub-accounts)");
        foreach (var (asset, price) in inputs.Indexes.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            var after = result.After.Assets.TryGetValue(asset, out var a) ? MarginRows.Text(a.Index) : "?";
            output.WriteLine($"  {asset,-6} {MarginRows.Text(price.Value),14} -> {after,14}   ({price.Source})");
        }
        output.WriteLine();
        output.WriteLine($"  {"account",-24} {"equity before",16} {"equity after",16} {"loss beyond collateral",24}");
        foreach (var account in result.Accounts.Take(top))
        {
            output.WriteLine($"  {account.AccountId,-24} {MarginRows.Text(account.EquityBefore),16} {MarginRows.Text(account.EquityAfter),16} {MarginRows.Text(account.LossBeyondCollateral),24}");
        }
        if (result.Accounts.Count > top)
        {
            output.WriteLine($"  … {result.Accounts.Count - top} more (--top to show them)");
        }
        output.WriteLine();
        output.WriteLine($"  total loss beyond collateral: {MarginRows.Text(result.Cover.TotalLoss)} over {result.Accounts.Count(a => a.LossBeyondCollateral > 0m)} account(s)");
        if (result.InsuranceFundEquity < 0m)
        {
            output.WriteLine($"  the insurance fund itself is under water: its positions leave it at {MarginRows.Text(result.InsuranceFundEquity)} (counted as uncovered loss)");
        }
        output.WriteLine($"  resources at stressed prices: insurance fund {MarginRows.Text(result.InsuranceFundAfter)}"
            + (inputs.Vault.Count > 0 ? $" + vault {MarginRows.Text(result.VaultAfter)}" : " (no vault account)")
            + $" = {MarginRows.Text(result.Cover.Resources)}");
        output.WriteLine($"  all defaults: {(result.Cover.Covered ? "covered" : $"UNCOVERED {MarginRows.Text(result.Cover.Uncovered)}")}");
        output.WriteLine($"  Cover 2 ({string.Join(" + ", result.Cover.Cover2Accounts.DefaultIfEmpty("no losing account"))}): loss {MarginRows.Text(result.Cover.Cover2Loss)}, "
            + (result.Cover.Cover2Covered ? "covered" : $"UNCOVERED {MarginRows.Text(result.Cover.Cover2Uncovered)}"));
    }

    private static JsonObject Amounts(IEnumerable<KeyValuePair<string, decimal>> amounts) =>
        new(amounts.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)MarginRows.Text(a.Value))));
}
