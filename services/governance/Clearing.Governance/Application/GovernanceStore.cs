using System.Security.Cryptography;
using System.Text;
using Clearing.EventSourcing;
using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Domain.Json;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Governance.Application;

/// <summary>
/// The bootstrap record, stored once in <c>genesis-governance</c> after every set's version 0: the governance rules
/// that apply from then on (a later edit of the genesis file changes nothing) and the SHA-256 of the file used.
/// </summary>
[EventType("governance.genesis-recorded.v1")]
public sealed record GenesisRecorded(GenesisGovernance Governance, string GenesisSha256, DateTimeOffset RecordedAt);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(GenesisRecorded))]
internal sealed partial class GovernanceHostJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>Stream names, stored type names and the serializer of the governance service's store.</summary>
public static class GovernanceStore
{
    public const string GenesisStream = "genesis-governance";
    public const string ProposalCategory = "proposal";

    public static EventSerializer Serializer { get; } = new(
        new EventTypeMap()
            .Register<ParametersChanged>()
            .Register<ProposalCreated>()
            .Register<ProposalApproved>()
            .Register<ProposalQueued>()
            .Register<ProposalExecuted>()
            .Register<ProposalCancelled>()
            .Register<ProposalExpired>()
            .Register<GenesisRecorded>(),
        new System.Text.Json.JsonSerializerOptions(GovernanceJson.Options)
        {
            TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(GovernanceJsonContext.Default, GovernanceHostJsonContext.Default),
        });

    public static string ProposalStream(string proposalId) => StreamName.For(ProposalCategory, proposalId);

    public static string ParamsTypeName { get; } = "governance.parameters-changed.v1";

    /// <summary>A name-based event id, so a retried write of the same fact is the store's idempotent no-op.</summary>
    public static Guid EventIdFor(string fact)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(fact)).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
