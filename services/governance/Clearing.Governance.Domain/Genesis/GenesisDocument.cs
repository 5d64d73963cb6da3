using System.Text.Json;
using Clearing.Governance.Domain.Json;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Governance.Domain.Genesis;

/// <summary>The "governance" section of a genesis file: governors, quorums, timelocks by parameter class, proposal lifetime.</summary>
public sealed record GenesisGovernance(
    IReadOnlyList<Governor> Governors,
    int Quorum,
    int EmergencyQuorum,
    IReadOnlyDictionary<string, Timelock> Timelocks,
    long ProposalLifetimeSeconds);

/// <summary>A genesis file could not be read or breaks a rule; every reason is listed.</summary>
public sealed class GenesisException(IReadOnlyList<string> reasons)
    : Exception("The genesis file is invalid: " + string.Join("; ", reasons))
{
    public IReadOnlyList<string> Reasons { get; } = reasons;
}

/// <summary>
/// The bootstrap of a fresh deployment: who governs, and version 0 of every parameter set. After bootstrap the
/// registry streams are the truth; a later change goes through a proposal, never through editing this file.
/// </summary>
public sealed record GenesisDocument(GenesisGovernance Governance, IReadOnlyList<ParameterSet> Parameters)
{
    public const string GenesisProposalId = "genesis";

    public static GenesisDocument Parse(string json)
    {
        GenesisDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, GovernanceJson.Options.GetTypeInfo(typeof(GenesisDocument))) as GenesisDocument;
        }
        catch (JsonException ex)
        {
            throw new GenesisException([$"not a genesis document: {ex.Message}"]);
        }

        if (document?.Governance is null || document.Parameters is null)
        {
            throw new GenesisException(["a genesis document needs \"governance\" and \"parameters\""]);
        }

        var reasons = document.Problems().ToList();
        return reasons.Count == 0 ? document : throw new GenesisException(reasons);
    }

    /// <summary>The same genesis governed by other keys: for a local stack whose keyring made its own governors and publishers.</summary>
    public GenesisDocument WithKeys(IReadOnlyList<Governor> governors, IReadOnlyList<OraclePublisher>? publishers) => this with
    {
        Governance = Governance with { Governors = governors },
        Parameters = Parameters.Select(p => p is OracleParameters oracle && publishers is { Count: > 0 } ? oracle with { Publishers = publishers } : p).ToList(),
    };

    public string ToJson() => JsonSerializer.Serialize(this, Indented.GetTypeInfo(typeof(GenesisDocument)));

    private static JsonSerializerOptions Indented { get; } = new(GovernanceJson.Options) { WriteIndented = true };

    public GovernanceRules Rules()
    {
        var timelocks = new Dictionary<ParameterKind, Timelock>();
        foreach (var (name, timelock) in Governance.Timelocks ?? new Dictionary<string, Timelock>())
        {
            if (Enum.TryParse<ParameterKind>(name, ignoreCase: true, out var kind))
            {
                timelocks[kind] = timelock;
            }
        }

        return new GovernanceRules(Governance.Governors ?? [], Governance.Quorum, Governance.EmergencyQuorum, timelocks, Governance.ProposalLifetimeSeconds);
    }

    /// <summary>Version 0 of every set, in force from the start of time (so any instant has a value), recorded at <paramref name="bootstrappedAt"/>.</summary>
    public IReadOnlyList<ParametersChanged> InitialChanges(DateTimeOffset bootstrappedAt) =>
        Parameters.Select(p => new ParametersChanged(p.SetId, p, DateTimeOffset.UnixEpoch, bootstrappedAt, GenesisProposalId, ChangeCause.Genesis, [])).ToList();

    private IEnumerable<string> Problems()
    {
        foreach (var name in (Governance.Timelocks ?? new Dictionary<string, Timelock>()).Keys.Where(n => !Enum.TryParse<ParameterKind>(n, ignoreCase: true, out _)))
        {
            yield return $"governance.timelocks.{name} is not a parameter class (market, oracle, fees, insurance, vault)";
        }

        foreach (var reason in Rules().Validate())
        {
            yield return reason;
        }

        foreach (var duplicate in Parameters.GroupBy(p => p.SetId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"parameters: set '{duplicate.Key}' is listed {duplicate.Count()} times";
        }

        var all = Parameters.GroupBy(p => p.SetId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var set in Parameters)
        {
            foreach (var reason in set.Validate().Concat(set.ValidateAgainst(all)))
            {
                yield return reason;
            }
        }
    }
}
