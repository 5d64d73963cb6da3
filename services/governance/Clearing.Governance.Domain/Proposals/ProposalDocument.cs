using System.Text.Json;
using Clearing.Governance.Domain.Json;
using Clearing.Parameters;

namespace Clearing.Governance.Domain.Proposals;

/// <summary>One set in a proposal file; without <see cref="BaseVersion"/> the proposer's tool fills in the set's current version.</summary>
public sealed record ProposalDocumentChange(ParameterSet Parameters, long? BaseVersion = null);

/// <summary>
/// A proposal as a person writes it (JSON, or YAML converted to the same shape by the CLI):
/// <code>{ "id": "raise-btc-mm", "kind": "standard", "description": "…", "effectiveAt": null, "changes": [ { "parameters": { "kind": "market", … } } ] }</code>
/// </summary>
public sealed record ProposalDocument(string Id, ProposalKind Kind, string Description, IReadOnlyList<ProposalDocumentChange> Changes, DateTimeOffset? EffectiveAt = null)
{
    public static ProposalDocument Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, GovernanceJson.Options.GetTypeInfo(typeof(ProposalDocument))) as ProposalDocument
                ?? throw new FormatException("the proposal file holds no proposal");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not a proposal document: {ex.Message}", ex);
        }
    }

    /// <summary>The draft to sign; <paramref name="currentVersion"/> supplies the base version of changes that do not state one.</summary>
    public ProposalDraft ToDraft(Func<string, long> currentVersion) =>
        new(Id, Kind, Description, (Changes ?? []).Select(c => new ProposedChange(c.Parameters.SetId, c.BaseVersion ?? currentVersion(c.Parameters.SetId), c.Parameters)).ToList(), EffectiveAt);
}
