using Clearing.Governance.Domain.Proposals;
using Proto = Clearing.Contracts.Governance.V1;
using Clearing.Parameters;

namespace Clearing.Governance.Domain.Contract;

/// <summary>Domain proposals ↔ the Governance API's messages (clearing/governance/v1/governance.proto), shared by the host and the CLI.</summary>
public static class ProposalContract
{
    public static ProposalDraft ToDraft(Proto.ProposeRequest request) => new(
        request.ProposalId,
        request.Kind switch
        {
            Proto.ProposalKind.Standard => ProposalKind.Standard,
            Proto.ProposalKind.Emergency => ProposalKind.Emergency,
            _ => throw new ParamsContractException("kind must be PROPOSAL_KIND_STANDARD or PROPOSAL_KIND_EMERGENCY"),
        },
        request.Description,
        request.Changes.Select(c => new ProposedChange(
            c.SetId,
            c.BaseVersion,
            ParamsContract.ToDomain(c.Parameters ?? throw new ParamsContractException($"change of '{c.SetId}' has no parameters")))).ToList(),
        request.EffectiveAtUnixNanos == 0 ? null : ProposalCanonical.FromUnixNanos(request.EffectiveAtUnixNanos));

    public static Proto.ProposeRequest ToRequest(ProposalDraft draft, string proposer, string signature)
    {
        var request = new Proto.ProposeRequest
        {
            ProposalId = draft.Id,
            Kind = draft.Kind == ProposalKind.Emergency ? Proto.ProposalKind.Emergency : Proto.ProposalKind.Standard,
            Description = draft.Description,
            EffectiveAtUnixNanos = draft.EffectiveAt is { } at ? ProposalCanonical.UnixNanos(at) : 0,
            Proposer = proposer,
            Signature = signature,
        };
        request.Changes.AddRange(draft.Changes.Select(ToProto));
        return request;
    }

    /// <summary>The draft a reply describes: what a governor re-encodes and checks against the digest before signing.</summary>
    public static ProposalDraft ToDraft(Proto.ProposalReply reply) => new(
        reply.ProposalId,
        reply.Kind == Proto.ProposalKind.Emergency ? ProposalKind.Emergency : ProposalKind.Standard,
        reply.Description,
        reply.Changes.Select(c => new ProposedChange(c.SetId, c.BaseVersion, ParamsContract.ToDomain(c.Parameters))).ToList(),
        reply.EffectiveAtUnixNanos == 0 ? null : ProposalCanonical.FromUnixNanos(reply.EffectiveAtUnixNanos));

    public static Proto.ProposalReply ToReply(Proposal proposal, string outcome, DateTimeOffset now)
    {
        var created = proposal.Created;
        var draft = new ProposalDraft(created.ProposalId, created.Kind, created.Description, created.Changes, created.EffectiveAt);
        var reply = new Proto.ProposalReply
        {
            ProposalId = created.ProposalId,
            Kind = created.Kind == ProposalKind.Emergency ? Proto.ProposalKind.Emergency : Proto.ProposalKind.Standard,
            Status = proposal.StatusAt(now) switch
            {
                ProposalStatus.Open => Proto.ProposalStatus.Open,
                ProposalStatus.Queued => Proto.ProposalStatus.Queued,
                ProposalStatus.Executed => Proto.ProposalStatus.Executed,
                ProposalStatus.Cancelled => Proto.ProposalStatus.Cancelled,
                _ => Proto.ProposalStatus.Expired,
            },
            Proposer = created.Proposer,
            Description = created.Description,
            Direction = created.Direction == Parameters.ChangeDirection.Loosening ? Proto.ChangeDirection.Loosening : Proto.ChangeDirection.Tightening,
            EffectiveAtUnixNanos = proposal.Executed is { } executed
                ? ProposalCanonical.UnixNanos(executed.EffectiveAt)
                : created.EffectiveAt is { } at ? ProposalCanonical.UnixNanos(at) : 0,
            RequiredApprovals = created.RequiredApprovals,
            TimelockSeconds = created.TimelockSeconds,
            CreatedAtUnixNanos = ProposalCanonical.UnixNanos(created.CreatedAt),
            ExpiresAtUnixNanos = ProposalCanonical.UnixNanos(created.ExpiresAt),
            ExecutableAtUnixNanos = proposal.ExecutableAt is { } executable ? ProposalCanonical.UnixNanos(executable) : 0,
            ExecutedAtUnixNanos = proposal.Executed is { } done ? ProposalCanonical.UnixNanos(done.ExecutedAt) : 0,
            Canonical = ProposalCanonical.Encode(draft),
            Digest = created.Digest,
            CancelledBy = proposal.Cancelled?.CancelledBy ?? "",
            CancelReason = proposal.Cancelled?.Reason ?? "",
            Outcome = outcome,
        };
        reply.Changes.AddRange(created.Changes.Select(ToProto));
        reply.FieldChanges.AddRange(created.FieldChanges.Select(ParamsContract.ToProto));
        reply.Approvals.AddRange(proposal.Approvals.Select(a => new Proto.Approval { Governor = a.Key, ApprovedAtUnixNanos = ProposalCanonical.UnixNanos(a.Value) }));
        return reply;
    }

    public static Proto.ParamsChanged ToProto(ParameterVersion version) =>
        ParamsContract.ToProto(version.Version, new ParametersChanged(
            version.Parameters.SetId, version.Parameters, version.EffectiveAt, version.ExecutedAt, version.ProposalId, version.Cause, version.Changes));

    private static Proto.ProposedChange ToProto(ProposedChange change) => new()
    {
        SetId = change.SetId,
        BaseVersion = change.BaseVersion,
        Parameters = ParamsContract.ToProto(change.Parameters),
    };
}
