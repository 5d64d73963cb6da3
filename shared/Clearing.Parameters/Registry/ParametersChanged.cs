using Clearing.EventSourcing;

namespace Clearing.Parameters;

/// <summary>Why a parameter set changed.</summary>
public enum ChangeCause
{
    /// <summary>The bootstrap values from the genesis file (version 0 of every set).</summary>
    Genesis,

    /// <summary>An approved proposal executed after its timelock.</summary>
    Proposal,

    /// <summary>An emergency action: a smaller quorum, no timelock, tightening only.</summary>
    Emergency,
}

/// <summary>
/// A parameter set's new value, stored in <c>params-{set}</c>. It comes into force at <see cref="EffectiveAt"/>, which
/// never precedes its execution nor the previous change's effective time, so every reader (live or replaying)
/// switches at the same instant. The stream version is the change's sequence number.
/// </summary>
[EventType("governance.parameters-changed.v1")]
public sealed record ParametersChanged(
    string SetId,
    ParameterSet Parameters,
    DateTimeOffset EffectiveAt,
    DateTimeOffset ExecutedAt,
    string ProposalId,
    ChangeCause Cause,
    IReadOnlyList<FieldChange> Changes);
