using System.Text.Json.Nodes;
using Clearing.Contracts.Margin.V1;

namespace Clearing.Margin.Tests.Contracts;

/// <summary>
/// The public risk and ledger contracts (clearing.margin.risk.v1, clearing.margin.ledger.v1) against the committed
/// snapshot shared/Clearing.Contracts/Protos/clearing/margin/v1/schema-snapshot.json. Adding fields, messages or
/// enum values is compatible; removing, renumbering, renaming or retyping anything fails here. After a compatible
/// addition, refresh the snapshot: MARGIN_SCHEMA_SNAPSHOT_UPDATE=1 dotnet test --filter RiskContractCompatibility.
/// </summary>
public class RiskContractCompatibilityTests
{
    private static JsonObject Current => SchemaSnapshot.Describe(RiskEventsReflection.Descriptor, LedgerReflection.Descriptor);

    private static string SnapshotPath
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Clearing.sln")))
            {
                directory = directory.Parent;
            }

            return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Clearing.sln not found above the test binaries"),
                "shared", "Clearing.Contracts", "Protos", "clearing", "margin", "v1", "schema-snapshot.json");
        }
    }

    [Fact]
    public void the_risk_and_ledger_contracts_keep_every_committed_field()
    {
        if (Environment.GetEnvironmentVariable("MARGIN_SCHEMA_SNAPSHOT_UPDATE") == "1")
        {
            File.WriteAllText(SnapshotPath, SchemaSnapshot.ToText(Current));
        }

        var committed = JsonNode.Parse(File.ReadAllText(SnapshotPath))!.AsObject();

        SchemaSnapshot.BreakingChanges(committed, Current).ShouldBeEmpty();
    }

    [Fact]
    public void the_committed_snapshot_is_up_to_date_with_additions()
    {
        var committed = JsonNode.Parse(File.ReadAllText(SnapshotPath))!.AsObject();

        // Compatible additions must be recorded too, so the next removal of one of them is caught.
        SchemaSnapshot.BreakingChanges(Current, committed).ShouldBeEmpty("the snapshot lacks fields the contract has: refresh it (see the class comment)");
    }

    [Fact]
    public void a_renumbered_retyped_or_removed_field_is_reported()
    {
        var committed = Current;
        var changed = JsonNode.Parse(Current.ToJsonString())!.AsObject();
        var riskFile = changed["clearing/margin/v1/risk_events.proto"]!["messages"]!;
        var accountRisk = riskFile["clearing.margin.v1.AccountRisk"]!.AsObject();
        var equity = accountRisk["1"]!.DeepClone();
        accountRisk.Remove("1");
        accountRisk["99"] = equity;
        riskFile["clearing.margin.v1.PositionRisk"]!["2"]!["type"] = "double";
        changed["clearing/margin/v1/ledger.proto"]!["messages"]!.AsObject().Remove("clearing.margin.v1.Posting");
        changed["clearing/margin/v1/risk_events.proto"]!["enums"]!["clearing.margin.v1.HealthBand"]!.AsObject().Remove("4");

        var problems = SchemaSnapshot.BreakingChanges(committed, changed);

        problems.ShouldBe(
        [
            "clearing.margin.v1.AccountRisk: field 1 (equity) removed or renumbered",
            "clearing.margin.v1.PositionRisk: field 2 type changed from \"string\" to \"double\"",
            "clearing.margin.v1.HealthBand: value 4 (HEALTH_BAND_BANKRUPT) removed or renamed",
            "clearing.margin.v1.Posting: message removed",
        ], ignoreOrder: true);
    }

    [Fact]
    public void every_risk_event_kind_of_the_oneof_is_in_the_snapshot()
    {
        var committed = JsonNode.Parse(File.ReadAllText(SnapshotPath))!.AsObject();
        var riskEvent = committed["clearing/margin/v1/risk_events.proto"]!["messages"]!["clearing.margin.v1.RiskEvent"]!.AsObject();

        riskEvent.Where(f => f.Value!["oneof"]!.GetValue<string>() == "event").Select(f => f.Value!["name"]!.GetValue<string>())
            .ShouldBe(["health_changed", "margin_call", "liquidation_required", "bankrupt"]);
    }
}
