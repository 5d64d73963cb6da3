using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;
using NSec.Cryptography;

namespace Clearing.Governance.Tests;

/// <summary>
/// A registry bootstrapped from the development genesis's parameters, governed by fresh keys ("g1".."gN"), with a
/// clock the test moves. Commands go through the pure decisions; their events are applied like the host does.
/// </summary>
internal sealed class GovernanceWorld
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly List<(long Version, ParametersChanged Change)> _log = [];

    private GovernanceWorld(Key[] keys, GovernanceRules rules, ParameterBook book)
    {
        Keys = keys;
        Rules = rules;
        Book = book;
    }

    public Key[] Keys { get; }

    public GovernanceRules Rules { get; }

    public ParameterBook Book { get; private set; }

    public DateTimeOffset Now { get; set; } = Start;

    /// <summary>Every stored registry change in order, as the params streams would hold them.</summary>
    public IReadOnlyList<(long Version, ParametersChanged Change)> Log => _log;

    public static string GenesisText => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "genesis.development.json"));

    public static GovernanceWorld Create(int governors = 5, int quorum = 3, int emergencyQuorum = 2)
    {
        var keys = Enumerable.Range(0, governors).Select(_ => Key.Create(SignatureAlgorithm.Ed25519)).ToArray();
        var timelocks = Enum.GetValues<ParameterKind>().ToDictionary(k => k, _ => new Timelock(TighteningSeconds: 3_600, LooseningSeconds: 172_800));
        var rules = new GovernanceRules(
            keys.Select((k, i) => new Governor(Id(i), Convert.ToBase64String(k.PublicKey.Export(KeyBlobFormat.RawPublicKey)))).ToList(),
            quorum, emergencyQuorum, timelocks, ProposalLifetimeSeconds: 7 * 86_400);
        rules.Validate().ShouldBeEmpty();
        var world = new GovernanceWorld(keys, rules, ParameterBook.Empty);
        foreach (var change in GenesisDocument.Parse(GenesisText).InitialChanges(Start))
        {
            world.Record(0, change);
        }

        return world;
    }

    public static string Id(int governor) => $"g{governor + 1}";

    public MarketParameters BtcPerp => (MarketParameters)Book.History("market-BTC-PERP")!.Latest.Parameters;

    public OracleParameters Oracle => (OracleParameters)Book.History("oracle")!.Latest.Parameters;

    public ProposalDraft Draft(string id, ParameterSet parameters, ProposalKind kind = ProposalKind.Standard, DateTimeOffset? effectiveAt = null) =>
        new(id, kind, "test change", [new ProposedChange(parameters.SetId, Book.VersionOf(parameters.SetId), parameters)], effectiveAt);

    public string Sign(int governor, string action, string proposalId, string digest) => ProposalCanonical.Sign(Keys[governor], action, proposalId, digest);

    public GovernanceDecision Propose(ProposalDraft draft, int proposer = 0) =>
        ProposalDecisions.Create(Rules, Book, draft, Id(proposer), Sign(proposer, ProposalCanonical.Approve, draft.Id, ProposalCanonical.Digest(draft)), Now);

    /// <summary>Creates the proposal and returns its state; fails the test if it was refused.</summary>
    public Proposal Proposed(ProposalDraft draft, int proposer = 0)
    {
        var decision = Propose(draft, proposer);
        decision.Refusal.ShouldBeNull(decision.Outcome);
        return Fold(null, decision);
    }

    public (Proposal State, GovernanceDecision Decision) Approve(Proposal proposal, int governor)
    {
        var decision = ProposalDecisions.Approve(Rules, proposal, Id(governor), Sign(governor, ProposalCanonical.Approve, proposal.Id, proposal.Created.Digest), Now);
        return (Fold(proposal, decision), decision);
    }

    public (Proposal State, GovernanceDecision Decision) Execute(Proposal proposal)
    {
        var decision = ProposalDecisions.Execute(Rules, proposal, Book, Now);
        foreach (var append in decision.RegistryChanges)
        {
            Book.VersionOf(append.SetId).ShouldBe(append.ExpectedVersion);
            Record(append.ExpectedVersion + 1, append.Change);
        }

        return (Fold(proposal, decision), decision);
    }

    /// <summary>Proposes, approves with the next governors until the quorum, waits out the timelock and executes.</summary>
    public Proposal Enact(ProposalDraft draft)
    {
        var proposal = Proposed(draft);
        for (var g = 1; proposal.Status == ProposalStatus.Open; g++)
        {
            proposal = Approve(proposal, g).State;
        }

        if (proposal.ExecutableAt > Now)
        {
            Now = proposal.ExecutableAt.Value;
        }

        var (executed, decision) = Execute(proposal);
        decision.Refusal.ShouldBeNull(decision.Outcome);
        return executed;
    }

    private void Record(long version, ParametersChanged change)
    {
        Book = Book.Apply(version, change);
        _log.Add((version, change));
    }

    private static Proposal Fold(Proposal? state, GovernanceDecision decision)
    {
        foreach (var @event in decision.Events)
        {
            state = state is null ? Proposal.Start((ProposalCreated)@event) : state.Evolve(@event);
        }

        return state!;
    }
}
