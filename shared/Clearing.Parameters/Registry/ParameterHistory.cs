using System.Collections.Immutable;

namespace Clearing.Parameters;

/// <summary>One version of a parameter set: the value, its sequence number in the set's stream and when it took effect.</summary>
public sealed record ParameterVersion(long Version, ParameterSet Parameters, DateTimeOffset EffectiveAt, DateTimeOffset ExecutedAt, string ProposalId, ChangeCause Cause, IReadOnlyList<FieldChange> Changes);

/// <summary>A parameter set arrived out of order, or contradicts what is known: a fold must not guess.</summary>
public sealed class ParameterSequenceException(string message) : Exception(message);

/// <summary>
/// The fold of one <c>params-{set}</c> stream: every version in order. Immutable, pure: the same events give the same
/// history, and <see cref="At"/> answers "what was in force then" for any instant, which is what a replay needs.
/// </summary>
public sealed class ParameterHistory
{
    private readonly ImmutableArray<ParameterVersion> _versions;

    private ParameterHistory(string setId, ImmutableArray<ParameterVersion> versions)
    {
        SetId = setId;
        _versions = versions;
    }

    public string SetId { get; }

    public IReadOnlyList<ParameterVersion> Versions => _versions;

    /// <summary>The newest version, possibly not yet in force (a change with a future effective time).</summary>
    public ParameterVersion Latest => _versions[^1];

    public long Version => _versions.Length - 1;

    public static ParameterHistory Start(string setId, ParametersChanged genesis) => new ParameterHistory(setId, []).Apply(0, genesis);

    /// <summary>Adds the change stored at <paramref name="version"/>; versions must come in order without gaps.</summary>
    public ParameterHistory Apply(long version, ParametersChanged change)
    {
        if (change.SetId != SetId || change.Parameters.SetId != SetId)
        {
            throw new ParameterSequenceException($"a change of set '{change.SetId}' cannot be applied to the history of '{SetId}'");
        }

        if (version != _versions.Length)
        {
            throw new ParameterSequenceException($"params-{SetId}: version {version} arrived when version {_versions.Length} was expected");
        }

        if (_versions.Length > 0 && change.EffectiveAt < Latest.EffectiveAt)
        {
            throw new ParameterSequenceException($"params-{SetId}: version {version} takes effect at {change.EffectiveAt:O}, before version {Latest.Version} ({Latest.EffectiveAt:O})");
        }

        return new ParameterHistory(SetId, _versions.Add(new ParameterVersion(version, change.Parameters, change.EffectiveAt, change.ExecutedAt, change.ProposalId, change.Cause, change.Changes)));
    }

    /// <summary>
    /// The version in force at <paramref name="time"/>: the last one whose effective time is at or before it (effective
    /// times never go backwards, so this is a prefix). Null before the first version took effect.
    /// </summary>
    public ParameterVersion? At(DateTimeOffset time)
    {
        var (low, high) = (0, _versions.Length - 1);
        ParameterVersion? found = null;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (_versions[middle].EffectiveAt <= time)
            {
                found = _versions[middle];
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}
