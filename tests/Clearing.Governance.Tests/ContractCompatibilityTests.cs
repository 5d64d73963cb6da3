using System.Text.Json.Nodes;
using Clearing.Contracts.Governance.V1;
using Clearing.Margin.Tests.Contracts;

namespace Clearing.Governance.Tests;

/// <summary>
/// The public parameter contract (clearing.governance.params.v1) and the Governance API against the committed snapshot
/// shared/Clearing.Contracts/Protos/clearing/governance/v1/schema-snapshot.json. Adding fields, messages or enum values
/// is compatible; removing, renumbering, renaming or retyping anything fails here. After a compatible addition,
/// refresh the snapshot: GOVERNANCE_SCHEMA_SNAPSHOT_UPDATE=1 dotnet test --filter ContractCompatibility.
/// </summary>
public sealed class ContractCompatibilityTests
{
    private static JsonObject Current => SchemaSnapshot.Describe(ParamsReflection.Descriptor, GovernanceReflection.Descriptor);

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
                "shared", "Clearing.Contracts", "Protos", "clearing", "governance", "v1", "schema-snapshot.json");
        }
    }

    [Fact]
    public void the_parameter_and_governance_contracts_keep_every_committed_field()
    {
        if (Environment.GetEnvironmentVariable("GOVERNANCE_SCHEMA_SNAPSHOT_UPDATE") == "1")
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

        SchemaSnapshot.BreakingChanges(Current, committed).ShouldBeEmpty("the snapshot lacks fields the contract has: refresh it (see the class comment)");
    }
}
