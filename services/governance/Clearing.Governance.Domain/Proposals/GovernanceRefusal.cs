namespace Clearing.Governance.Domain.Proposals;

/// <summary>Why a governance command was refused, as a category the API maps to a status code.</summary>
public enum RefusalKind
{
    /// <summary>The proposal itself is wrong (schema, bounds, an emergency that loosens): fix it and propose again.</summary>
    Invalid,

    /// <summary>The signer is not a governor, or the signature does not verify.</summary>
    NotAuthorized,

    /// <summary>Right request, wrong moment: timelock running, approvals missing, set changed since, already final.</summary>
    NotNow,

    NotFound,

    /// <summary>A different proposal already uses the id.</summary>
    Conflict,
}

/// <summary>A refusal with every reason found (all broken rules at once, not the first).</summary>
public sealed record GovernanceRefusal(RefusalKind Kind, IReadOnlyList<string> Reasons)
{
    public GovernanceRefusal(RefusalKind kind, string reason)
        : this(kind, [reason])
    {
    }

    public string Message => string.Join("; ", Reasons);
}

/// <summary>
/// What a command decided: events to append (possibly some even when refused — an expired proposal records its
/// expiry), a refusal, and a one-line outcome for the caller. Registry changes are the parameter-set appends an
/// execution makes, each with the set version it must find.
/// </summary>
public sealed record GovernanceDecision(
    IReadOnlyList<object> Events,
    GovernanceRefusal? Refusal,
    string Outcome,
    IReadOnlyList<RegistryAppend> RegistryChanges)
{
    public static GovernanceDecision Refused(GovernanceRefusal refusal, params object[] events) => new(events, refusal, refusal.Message, []);

    public static GovernanceDecision Refused(RefusalKind kind, string reason, params object[] events) => Refused(new GovernanceRefusal(kind, reason), events);

    public static GovernanceDecision Accepted(string outcome, params object[] events) => new(events, null, outcome, []);
}

/// <summary>One parameter-set change an execution writes to <c>params-{SetId}</c>, expecting the stream at <see cref="ExpectedVersion"/>.</summary>
public sealed record RegistryAppend(string SetId, long ExpectedVersion, Clearing.Parameters.ParametersChanged Change);
