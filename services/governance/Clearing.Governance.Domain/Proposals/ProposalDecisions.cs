using System.Globalization;
using System.Text.RegularExpressions;
using Clearing.Parameters;

namespace Clearing.Governance.Domain.Proposals;

/// <summary>
/// The rules of proposals, as pure decisions: state and input in, events (or a refusal with reasons) out. Time is
/// an input. Invalid proposals are refused at creation; execution re-checks only what may have changed since
/// (the timelock, the sets' versions, rules spanning several sets).
/// </summary>
public static partial class ProposalDecisions
{
    public const int MaxChanges = 20;
    public const int MaxDescriptionLength = 2_000;

    /// <summary>The fields an emergency action may touch (halt a market, pull an oracle publisher, raise margin), and only to tighten.</summary>
    public static bool IsEmergencyField(FieldChange change) =>
        change.Field == "halted" || change.Field.StartsWith("marginTiers", StringComparison.Ordinal) || change.Field.StartsWith("publishers[", StringComparison.Ordinal);

    public static GovernanceDecision Create(GovernanceRules rules, ParameterBook registry, ProposalDraft draft, string proposer, string signature, DateTimeOffset now)
    {
        if (!rules.IsGovernor(proposer))
        {
            return GovernanceDecision.Refused(RefusalKind.NotAuthorized, $"'{proposer}' is not a registered governor");
        }

        var reasons = new List<string>();
        if (!IdShape().IsMatch(draft.Id ?? ""))
        {
            reasons.Add($"proposal id '{draft.Id}' must be 1-64 characters of [a-z0-9-], starting with a letter or digit");
        }

        if (string.IsNullOrWhiteSpace(draft.Description) || draft.Description.Length > MaxDescriptionLength)
        {
            reasons.Add($"description must say why, in 1-{MaxDescriptionLength} characters");
        }

        if (draft.EffectiveAt is { } effective && (effective < now || effective > now.AddDays(365)))
        {
            reasons.Add($"effectiveAt {effective:O} must be between now and a year from now (or left out: effective on execution)");
        }

        var (fieldChanges, direction, timelock) = Assess(rules, registry, draft, reasons);
        if (reasons.Count > 0)
        {
            return GovernanceDecision.Refused(new GovernanceRefusal(RefusalKind.Invalid, reasons));
        }

        var digest = ProposalCanonical.Digest(draft);
        if (!ProposalCanonical.Verify(rules.KeyOf(proposer)!, ProposalCanonical.Approve, draft.Id!, digest, signature))
        {
            return GovernanceDecision.Refused(RefusalKind.NotAuthorized, $"the signature does not verify with {proposer}'s key over proposal {draft.Id} (digest {digest})");
        }

        var required = draft.Kind == ProposalKind.Emergency ? rules.EmergencyQuorum : rules.Quorum;
        var created = new ProposalCreated(
            draft.Id!, draft.Kind, draft.Description!, draft.Changes, draft.EffectiveAt, fieldChanges, direction, digest, proposer, signature,
            required, (long)timelock.TotalSeconds, now, now + rules.ProposalLifetime);
        return required <= 1
            ? GovernanceDecision.Accepted($"created and queued (1 of {required}); executable at {(now + timelock):O}", created, new ProposalQueued(created.ProposalId, now, now + timelock))
            : GovernanceDecision.Accepted($"created with the proposer's approval (1 of {required})", created);
    }

    public static GovernanceDecision Approve(GovernanceRules rules, Proposal proposal, string governor, string signature, DateTimeOffset now)
    {
        if (Final(proposal, now, out var expired) is { } refusal)
        {
            return expired is null ? refusal : GovernanceDecision.Refused(refusal.Refusal!, expired);
        }

        if (rules.KeyOf(governor) is not { } key)
        {
            return GovernanceDecision.Refused(RefusalKind.NotAuthorized, $"'{governor}' is not a registered governor");
        }

        if (!ProposalCanonical.Verify(key, ProposalCanonical.Approve, proposal.Id, proposal.Created.Digest, signature))
        {
            return GovernanceDecision.Refused(RefusalKind.NotAuthorized, $"the signature does not verify with {governor}'s key over proposal {proposal.Id} (digest {proposal.Created.Digest})");
        }

        var required = proposal.Created.RequiredApprovals;
        if (proposal.Approvals.ContainsKey(governor))
        {
            return GovernanceDecision.Accepted($"already approved by {governor} (a signer counts once: {proposal.Approvals.Count} of {required})");
        }

        if (proposal.Status == ProposalStatus.Queued)
        {
            // Extra approvals after the quorum are recorded (they show support) but do not restart the timelock.
            return GovernanceDecision.Accepted($"approved ({proposal.Approvals.Count + 1}, quorum {required} already reached)", new ProposalApproved(proposal.Id, governor, signature, now));
        }

        var approved = new ProposalApproved(proposal.Id, governor, signature, now);
        var count = proposal.Approvals.Count + 1;
        if (count < required)
        {
            return GovernanceDecision.Accepted($"approved ({count} of {required})", approved);
        }

        var executableAt = now + TimeSpan.FromSeconds(proposal.Created.TimelockSeconds);
        return GovernanceDecision.Accepted($"approved ({count} of {required}): queued, executable at {executableAt:O}", approved, new ProposalQueued(proposal.Id, now, executableAt));
    }

    public static GovernanceDecision Execute(GovernanceRules rules, Proposal proposal, ParameterBook registry, DateTimeOffset now)
    {
        if (proposal.Status == ProposalStatus.Executed)
        {
            return GovernanceDecision.Accepted($"already executed at {proposal.Executed!.ExecutedAt:O}");
        }

        if (Final(proposal, now, out var expired) is { } refusal)
        {
            return expired is null ? refusal : GovernanceDecision.Refused(refusal.Refusal!, expired);
        }

        if (proposal.Status == ProposalStatus.Open)
        {
            return GovernanceDecision.Refused(RefusalKind.NotNow,
                $"proposal {proposal.Id} has {proposal.Approvals.Count} of {proposal.Created.RequiredApprovals} approvals; it needs {proposal.MissingApprovals} more before it can be queued");
        }

        if (now < proposal.ExecutableAt)
        {
            var remaining = proposal.ExecutableAt.Value - now;
            return GovernanceDecision.Refused(RefusalKind.NotNow,
                $"timelock: proposal {proposal.Id} is executable at {proposal.ExecutableAt:O}, {Describe(remaining)} from now");
        }

        // A crash between the registry appends and ProposalExecuted leaves some sets already at this proposal's value:
        // those count as done (same effective time), the rest are appended now.
        var applied = proposal.Created.Changes
            .Select(c => registry.History(c.SetId)?.Latest)
            .Where(v => v is not null && v.ProposalId == proposal.Id)
            .Select(v => v!)
            .ToList();
        var pending = proposal.Created.Changes.Where(c => registry.History(c.SetId)?.Latest.ProposalId != proposal.Id).ToList();
        var reasons = new List<string>();
        foreach (var change in pending)
        {
            var version = registry.VersionOf(change.SetId);
            if (version != change.BaseVersion)
            {
                reasons.Add($"params-{change.SetId} is at version {version} but the proposal was written against version {change.BaseVersion}: cancel it and propose again on the current value");
            }
        }

        var resulting = Resulting(registry, pending);
        reasons.AddRange(resulting.Values.SelectMany(set => set.ValidateAgainst(resulting)));
        if (reasons.Count > 0)
        {
            return GovernanceDecision.Refused(new GovernanceRefusal(RefusalKind.NotNow, reasons));
        }

        var effectiveAt = applied.Count > 0
            ? applied[0].EffectiveAt
            : new[] { proposal.Created.EffectiveAt ?? now, now }.Concat(pending.Select(c => registry.History(c.SetId)?.Latest.EffectiveAt ?? now)).Max();
        var cause = proposal.Created.Kind == ProposalKind.Emergency ? ChangeCause.Emergency : ChangeCause.Proposal;
        var appends = pending
            .Select(c => new RegistryAppend(c.SetId, c.BaseVersion, new ParametersChanged(
                c.SetId, c.Parameters, effectiveAt, now, proposal.Id, cause, FieldChangesOf(registry, c))))
            .ToList();
        return new GovernanceDecision([new ProposalExecuted(proposal.Id, now, effectiveAt)], null, $"executed; effective at {effectiveAt:O}", appends);
    }

    public static GovernanceDecision Cancel(GovernanceRules rules, Proposal proposal, string governor, string signature, string reason, DateTimeOffset now)
    {
        if (Final(proposal, now, out var expired) is { } refusal)
        {
            return expired is null ? refusal : GovernanceDecision.Refused(refusal.Refusal!, expired);
        }

        if (rules.KeyOf(governor) is not { } key)
        {
            return GovernanceDecision.Refused(RefusalKind.NotAuthorized, $"'{governor}' is not a registered governor");
        }

        if (!ProposalCanonical.Verify(key, ProposalCanonical.Cancel, proposal.Id, proposal.Created.Digest, signature))
        {
            return GovernanceDecision.Refused(RefusalKind.NotAuthorized, $"the cancel signature does not verify with {governor}'s key over proposal {proposal.Id} (digest {proposal.Created.Digest})");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return GovernanceDecision.Refused(RefusalKind.Invalid, "reason must say why the proposal is cancelled");
        }

        // Any governor may cancel: cancelling keeps the parameters as they are, so it can never add risk, and a proposal
        // one governor objects to during its timelock is exactly what the timelock exists to catch.
        return GovernanceDecision.Accepted($"cancelled by {governor}", new ProposalCancelled(proposal.Id, governor, signature, reason.Trim(), now));
    }

    /// <summary>Refuses commands on a proposal that can no longer change; an open proposal past its expiry records the expiry.</summary>
    private static GovernanceDecision? Final(Proposal proposal, DateTimeOffset now, out ProposalExpired? expired)
    {
        expired = null;
        switch (proposal.Status)
        {
            case ProposalStatus.Executed:
                return GovernanceDecision.Refused(RefusalKind.NotNow, $"proposal {proposal.Id} was executed at {proposal.Executed!.ExecutedAt:O}");
            case ProposalStatus.Cancelled:
                return GovernanceDecision.Refused(RefusalKind.NotNow, $"proposal {proposal.Id} was cancelled by {proposal.Cancelled!.CancelledBy}: {proposal.Cancelled.Reason}");
            case ProposalStatus.Expired:
                return GovernanceDecision.Refused(RefusalKind.NotNow, $"proposal {proposal.Id} expired at {proposal.ExpiredAt:O} without enough approvals");
            case ProposalStatus.Open when now >= proposal.Created.ExpiresAt:
                expired = new ProposalExpired(proposal.Id, proposal.Created.ExpiresAt);
                return GovernanceDecision.Refused(RefusalKind.NotNow,
                    $"proposal {proposal.Id} expired at {proposal.Created.ExpiresAt:O} with {proposal.Approvals.Count} of {proposal.Created.RequiredApprovals} approvals");
            default:
                return null;
        }
    }

    /// <summary>Validates a draft against the registry; returns the field changes, the overall direction and the timelock.</summary>
    private static (IReadOnlyList<FieldChange> Changes, ChangeDirection Direction, TimeSpan Timelock) Assess(GovernanceRules rules, ParameterBook registry, ProposalDraft draft, List<string> reasons)
    {
        var all = new List<FieldChange>();
        var timelock = TimeSpan.Zero;
        var changes = draft.Changes ?? [];
        if (changes.Count is 0 or > MaxChanges)
        {
            reasons.Add($"a proposal changes 1 to {MaxChanges} parameter sets; this one lists {changes.Count}");
            return (all, ChangeDirection.Tightening, timelock);
        }

        foreach (var duplicate in changes.GroupBy(c => c.SetId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            reasons.Add($"set '{duplicate.Key}' is listed {duplicate.Count()} times; list each set once with its whole new value");
        }

        var valid = true;
        foreach (var change in changes)
        {
            if (ParameterSets.Problem(change.SetId) is { } setProblem)
            {
                reasons.Add(setProblem);
                valid = false;
                continue;
            }

            if (change.Parameters is null || change.Parameters.SetId != change.SetId)
            {
                reasons.Add($"set '{change.SetId}' holds parameters of {(change.Parameters is null ? "nothing" : $"'{change.Parameters.SetId}'")}");
                valid = false;
                continue;
            }

            var version = registry.VersionOf(change.SetId);
            if (version != change.BaseVersion)
            {
                reasons.Add(version < 0
                    ? $"params-{change.SetId} does not exist; a new set is proposed with baseVersion -1"
                    : $"params-{change.SetId} is at version {version}; the proposal says baseVersion {change.BaseVersion} (write it against the current value)");
            }

            var broken = change.Parameters.Validate().ToList();
            reasons.AddRange(broken);
            valid &= broken.Count == 0;
        }

        if (!valid)
        {
            return (all, ChangeDirection.Tightening, timelock);
        }

        var resulting = Resulting(registry, changes);
        foreach (var set in resulting.Values)
        {
            reasons.AddRange(set.ValidateAgainst(resulting));
        }

        foreach (var change in changes)
        {
            var fields = FieldChangesOf(registry, change);
            if (fields.Count == 0)
            {
                reasons.Add($"the proposal changes nothing in {change.SetId}");
            }

            var direction = fields.Any(f => f.Direction == ChangeDirection.Loosening) ? ChangeDirection.Loosening : ChangeDirection.Tightening;
            var lockFor = rules.TimelockFor(change.Parameters.Kind, direction);
            timelock = lockFor > timelock ? lockFor : timelock;
            all.AddRange(fields.Select(f => f with { Field = $"{change.SetId}.{f.Field}" }));
            if (draft.Kind == ProposalKind.Emergency)
            {
                foreach (var field in fields)
                {
                    if (field.Direction == ChangeDirection.Loosening)
                    {
                        reasons.Add($"an emergency action may only tighten: {change.SetId}.{field.Field} {field.Old} → {field.New} loosens; propose it as a standard proposal with its timelock");
                    }
                    else if (!IsEmergencyField(field))
                    {
                        reasons.Add($"{change.SetId}.{field.Field} cannot change by emergency action; emergency actions halt a market, pull an oracle publisher or raise margin");
                    }
                }
            }
        }

        var overall = all.Any(f => f.Direction == ChangeDirection.Loosening) ? ChangeDirection.Loosening : ChangeDirection.Tightening;
        return (all, overall, draft.Kind == ProposalKind.Emergency ? TimeSpan.Zero : timelock);
    }

    private static IReadOnlyList<FieldChange> FieldChangesOf(ParameterBook registry, ProposedChange change) =>
        registry.History(change.SetId) is { } history
            ? change.Parameters.ChangesFrom(history.Latest.Parameters)
            : [new FieldChange("(set)", "(absent)", "(new set)", ChangeDirection.Loosening)];

    private static Dictionary<string, ParameterSet> Resulting(ParameterBook registry, IEnumerable<ProposedChange> changes)
    {
        var resulting = registry.Latest().ToDictionary(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            resulting[change.SetId] = change.Parameters;
        }

        return resulting;
    }

    private static string Describe(TimeSpan remaining) =>
        remaining.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)remaining.TotalHours} h {remaining.Minutes} min {remaining.Seconds} s")
            : string.Create(CultureInfo.InvariantCulture, $"{remaining.Minutes} min {remaining.Seconds} s");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex IdShape();
}
