using Clearing.EventSourcing;
using Clearing.Parameters;

namespace Clearing.Governance.Domain.Proposals;

public enum ProposalKind
{
    Standard,
    Emergency,
}

public enum ProposalStatus
{
    Open,
    Queued,
    Executed,
    Cancelled,
    Expired,
}

/// <summary>One set a proposal replaces: the version it was written against (-1: a new set) and the whole new value.</summary>
public sealed record ProposedChange(string SetId, long BaseVersion, ParameterSet Parameters);

/// <summary>A proposal as submitted, before the registry and the governors have had their say.</summary>
public sealed record ProposalDraft(string Id, ProposalKind Kind, string Description, IReadOnlyList<ProposedChange> Changes, DateTimeOffset? EffectiveAt);

/// <summary>Stored in <c>proposal-{id}</c>, first event of the stream.</summary>
[EventType("governance.proposal-created.v1")]
public sealed record ProposalCreated(
    string ProposalId,
    ProposalKind Kind,
    string Description,
    IReadOnlyList<ProposedChange> Changes,
    DateTimeOffset? EffectiveAt,
    IReadOnlyList<FieldChange> FieldChanges,
    ChangeDirection Direction,
    string Digest,
    string Proposer,
    string ProposerSignature,
    int RequiredApprovals,
    long TimelockSeconds,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);

[EventType("governance.proposal-approved.v1")]
public sealed record ProposalApproved(string ProposalId, string Governor, string Signature, DateTimeOffset ApprovedAt);

/// <summary>The approvals reached the quorum: the timelock starts.</summary>
[EventType("governance.proposal-queued.v1")]
public sealed record ProposalQueued(string ProposalId, DateTimeOffset QueuedAt, DateTimeOffset ExecutableAt);

[EventType("governance.proposal-executed.v1")]
public sealed record ProposalExecuted(string ProposalId, DateTimeOffset ExecutedAt, DateTimeOffset EffectiveAt);

[EventType("governance.proposal-cancelled.v1")]
public sealed record ProposalCancelled(string ProposalId, string CancelledBy, string Signature, string Reason, DateTimeOffset CancelledAt);

[EventType("governance.proposal-expired.v1")]
public sealed record ProposalExpired(string ProposalId, DateTimeOffset ExpiredAt);
