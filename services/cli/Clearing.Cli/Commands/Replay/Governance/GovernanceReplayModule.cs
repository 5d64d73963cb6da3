using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Clearing.EventSourcing;
using Clearing.Governance.Application;
using Clearing.Governance.Domain.Proposals;
using Clearing.Governance.Integration;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Parameters;

namespace Clearing.Cli.Commands.Replay.Governance;

/// <summary>
/// `clearing replay governance`: time travel over a parameter set (params-{set}, e.g. params-market-BTC-PERP: the
/// version in force with its parameters, effective time, proposal and changed fields, folded by the shared
/// ParameterBook as the registry and every service's ParameterFeed fold it) and over a proposal (proposal-{id}: its
/// approvals and status, folded by the domain's Proposal.Fold), each decoded by the host's GovernanceStore serializer.
/// genesis-governance is one stored record: time travel lists it. Republishing goes through the service's
/// GovernanceOutboxTranslator. No read model to rebuild: the registry is these streams.
/// </summary>
internal sealed class GovernanceReplayModule : FoldingReplayModule
{
    private static readonly EventSerializer Serializer = GovernanceStore.Serializer;

    // A proposal's state is not part of the service's JSON context (it is never stored): its own fields by reflection,
    // the stored records inside it (and the polymorphic parameter sets) by the service's context.
    private static readonly JsonSerializerOptions ProposalOptions = new(Serializer.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Serializer.Options.TypeInfoResolver, new DefaultJsonTypeInfoResolver()),
        // The context writes its enums as names; a type it does not know would otherwise write its status as a number.
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public override string Service => "governance";

    public override IOutboxTranslator? Translator { get; } = new GovernanceOutboxTranslator();

    protected override IReadOnlyList<StreamFold> Folds { get; } =
    [
        new($"{ParameterSets.StreamCategory}-{{set}}", StreamFold.InCategory(ParameterSets.StreamCategory), FoldParameters),
        new($"{GovernanceStore.ProposalCategory}-{{id}}", StreamFold.InCategory(GovernanceStore.ProposalCategory), FoldProposal),
    ];

    private static JsonNode FoldParameters(string stream, IReadOnlyList<RecordedEvent> events)
    {
        var book = ParameterBook.Empty;
        foreach (var recorded in events)
        {
            book = book.Apply(recorded.StreamVersion, (ParametersChanged)StreamFold.Decode(Serializer, recorded));
        }
        var setId = stream[(ParameterSets.StreamCategory.Length + 1)..];
        var history = book.History(setId)
            ?? throw new InvalidDataException($"{stream}: its events are of set(s) {string.Join(", ", book.SetIds)}, not '{setId}'");
        var latest = history.Latest;
        var inForce = new ParametersChanged(history.SetId, latest.Parameters, latest.EffectiveAt, latest.ExecutedAt, latest.ProposalId, latest.Cause, latest.Changes);
        return new JsonObject
        {
            ["setId"] = history.SetId,
            ["version"] = history.Version,
            ["latest"] = JsonSerializer.SerializeToNode(inForce, Serializer.Options),
        };
    }

    private static JsonNode FoldProposal(string stream, IReadOnlyList<RecordedEvent> events)
    {
        var proposal = Proposal.Fold(events.Select(e => StreamFold.Decode(Serializer, e)))
            ?? throw new InvalidDataException($"{stream}: no proposal events");
        var state = JsonSerializer.SerializeToNode(proposal, ProposalOptions)!.AsObject();
        state["missingApprovals"] = proposal.MissingApprovals;
        return state;
    }
}
