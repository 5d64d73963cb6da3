using Clearing.EventSourcing;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Governance.Application;

/// <summary>A command was refused by the rules; carries the domain refusal for the API to map.</summary>
public sealed class GovernanceRefusedException(GovernanceRefusal refusal) : Exception(refusal.Message)
{
    public GovernanceRefusal Refusal { get; } = refusal;
}

/// <summary>The proposal after a command, and what the command did.</summary>
public sealed record DeskResult(Proposal Proposal, string Outcome);

/// <summary>
/// Runs proposal commands: load the proposal's stream, decide (pure, <see cref="ProposalDecisions"/>), append. One
/// command at a time: governance is a handful of commands a day, and a single writer keeps "the set has not changed
/// since the proposal was written" a simple version check. Execution appends each set's new version (expecting
/// the proposal's base version, with an event id derived from proposal and set, so a retry after a crash is a no-op)
/// before ProposalExecuted; the outbox relay publishes the new versions from the store.
/// </summary>
public sealed class ProposalDesk(IEventStore store, ParameterRegistry registry, TimeProvider time)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Task<DeskResult> ProposeAsync(ProposalDraft draft, string proposer, string signature, CancellationToken cancellationToken) =>
        UnderGate(async () =>
        {
            if (await LoadAsync(draft.Id, cancellationToken) is { } existing)
            {
                var digest = ProposalCanonical.Digest(draft);
                return existing.Proposal.Created.Digest == digest && existing.Proposal.Created.Proposer == proposer
                    ? new DeskResult(existing.Proposal, "already proposed (same content): nothing new was written")
                    : throw new GovernanceRefusedException(new GovernanceRefusal(RefusalKind.Conflict, $"proposal id '{draft.Id}' is taken by a different proposal; choose another id"));
            }

            var decision = ProposalDecisions.Create(registry.Rules, registry.Book, draft, proposer, signature, time.GetUtcNow());
            return await ApplyAsync(draft.Id, -1, null, decision, cancellationToken);
        }, cancellationToken);

    public Task<DeskResult> ApproveAsync(string proposalId, string governor, string signature, CancellationToken cancellationToken) =>
        OnExisting(proposalId, loaded => ProposalDecisions.Approve(registry.Rules, loaded, governor, signature, time.GetUtcNow()), cancellationToken);

    public Task<DeskResult> ExecuteAsync(string proposalId, CancellationToken cancellationToken) =>
        OnExisting(proposalId, loaded => ProposalDecisions.Execute(registry.Rules, loaded, registry.Book, time.GetUtcNow()), cancellationToken);

    public Task<DeskResult> CancelAsync(string proposalId, string governor, string signature, string reason, CancellationToken cancellationToken) =>
        OnExisting(proposalId, loaded => ProposalDecisions.Cancel(registry.Rules, loaded, governor, signature, reason, time.GetUtcNow()), cancellationToken);

    public async Task<Proposal?> GetAsync(string proposalId, CancellationToken cancellationToken) =>
        (await LoadAsync(proposalId, cancellationToken))?.Proposal;

    private Task<DeskResult> OnExisting(string proposalId, Func<Proposal, GovernanceDecision> decide, CancellationToken cancellationToken) =>
        UnderGate(async () =>
        {
            var loaded = await LoadAsync(proposalId, cancellationToken)
                ?? throw new GovernanceRefusedException(new GovernanceRefusal(RefusalKind.NotFound, $"no proposal '{proposalId}'"));
            return await ApplyAsync(proposalId, loaded.Version, loaded.Proposal, decide(loaded.Proposal), cancellationToken);
        }, cancellationToken);

    private async Task<DeskResult> ApplyAsync(string proposalId, long version, Proposal? state, GovernanceDecision decision, CancellationToken cancellationToken)
    {
        foreach (var append in decision.RegistryChanges)
        {
            var stream = ParameterSets.StreamOf(append.SetId);
            var eventId = GovernanceStore.EventIdFor($"proposal\n{proposalId}\n{append.SetId}");
            var result = await store.AppendAsync(stream, ExpectedVersion.From(append.ExpectedVersion),
                [GovernanceStore.Serializer.Serialize(append.Change, eventId: eventId)], cancellationToken);
            registry.Applied(result.NextExpectedVersion, append.Change);
        }

        if (decision.Events.Count > 0)
        {
            await store.AppendAsync(GovernanceStore.ProposalStream(proposalId), ExpectedVersion.From(version),
                decision.Events.Select(e => GovernanceStore.Serializer.Serialize(e)).ToList(), cancellationToken);
            foreach (var @event in decision.Events)
            {
                state = state is null ? Proposal.Start((ProposalCreated)@event) : state.Evolve(@event);
            }
        }

        if (decision.Refusal is { } refusal)
        {
            throw new GovernanceRefusedException(refusal);
        }

        return new DeskResult(state!, decision.Outcome);
    }

    private async Task<(Proposal Proposal, long Version)?> LoadAsync(string proposalId, CancellationToken cancellationToken)
    {
        if (ParameterSetsGuard.ProposalIdProblem(proposalId) is not null)
        {
            return null;
        }

        var events = new List<object>();
        var version = -1L;
        await foreach (var recorded in store.ReadStreamAsync(GovernanceStore.ProposalStream(proposalId), ReadDirection.Forward, 0, int.MaxValue, cancellationToken))
        {
            events.Add(GovernanceStore.Serializer.Deserialize(recorded));
            version = recorded.StreamVersion;
        }

        return Proposal.Fold(events) is { } proposal ? (proposal, version) : null;
    }

    private async Task<T> UnderGate<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await registry.WhenReady(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await action();
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>Shapes checked before a stream is read, so an id never becomes a malformed stream name.</summary>
internal static class ParameterSetsGuard
{
    public static string? ProposalIdProblem(string proposalId) =>
        proposalId is { Length: >= 1 and <= 64 } && proposalId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? null
            : $"proposal id '{proposalId}' must be 1-64 characters of [a-z0-9-]";
}
