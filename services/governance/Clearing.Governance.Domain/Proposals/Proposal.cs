using System.Collections.Immutable;
using Clearing.Parameters;

namespace Clearing.Governance.Domain.Proposals;

/// <summary>
/// The state of one proposal, folded from its stream. Approvals are keyed by governor, so however often a governor
/// signs, they count once.
/// </summary>
public sealed record Proposal(
    ProposalCreated Created,
    ImmutableSortedDictionary<string, DateTimeOffset> Approvals,
    ProposalStatus Status,
    DateTimeOffset? ExecutableAt,
    ProposalExecuted? Executed,
    ProposalCancelled? Cancelled,
    DateTimeOffset? ExpiredAt)
{
    public string Id => Created.ProposalId;

    public int MissingApprovals => Math.Max(0, Created.RequiredApprovals - Approvals.Count);

    /// <summary>The status a reader should see at <paramref name="now"/>: an open proposal past its expiry is expired even before that is recorded.</summary>
    public ProposalStatus StatusAt(DateTimeOffset now) =>
        Status == ProposalStatus.Open && now >= Created.ExpiresAt ? ProposalStatus.Expired : Status;

    public static Proposal Start(ProposalCreated created) =>
        new(created, ImmutableSortedDictionary.Create<string, DateTimeOffset>(StringComparer.Ordinal).Add(created.Proposer, created.CreatedAt),
            ProposalStatus.Open, null, null, null, null);

    public static Proposal? Fold(IEnumerable<object> events)
    {
        Proposal? state = null;
        foreach (var @event in events)
        {
            state = state is null
                ? Start(@event as ProposalCreated ?? throw new InvalidOperationException($"a proposal stream must start with ProposalCreated, not {@event.GetType().Name}"))
                : state.Evolve(@event);
        }

        return state;
    }

    public Proposal Evolve(object @event) => @event switch
    {
        ProposalApproved approved => this with { Approvals = Approvals.SetItem(approved.Governor, approved.ApprovedAt) },
        ProposalQueued queued => this with { Status = ProposalStatus.Queued, ExecutableAt = queued.ExecutableAt },
        ProposalExecuted executed => this with { Status = ProposalStatus.Executed, Executed = executed },
        ProposalCancelled cancelled => this with { Status = ProposalStatus.Cancelled, Cancelled = cancelled },
        ProposalExpired expired => this with { Status = ProposalStatus.Expired, ExpiredAt = expired.ExpiredAt },
        _ => throw new InvalidOperationException($"{@event.GetType().Name} is not a proposal event"),
    };

    public ChangeDirection Direction => Created.Direction;
}
