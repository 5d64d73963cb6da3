using Clearing.EventSourcing;
using Clearing.Funding.Application;
using Clearing.Funding.Domain;
using Clearing.Funding.Integration;
using Clearing.Messaging.Kafka.Outbox;

namespace Clearing.Cli.Commands.Replay.Funding;

/// <summary>
/// `clearing replay funding`: time travel over a market's funding stream (funding-{market}): the interval being
/// sampled, its premium samples and the last rate fixed. Folded as FundingStreams loads it: the stored events decoded by
/// FundingStoredEvents (serializer and stored→domain mapping) into FundingMarket.Evolve, from FundingMarketState.Initial
/// of the stream's market (FundingStreams' own Evolve is private; it only fills in that same market name). Republishing
/// goes through the service's FundingOutboxTranslator. No read model to rebuild: funding keeps its state in these streams.
/// </summary>
internal sealed class FundingReplayModule : FoldingReplayModule
{
    public override string Service => "funding";

    public override IOutboxTranslator? Translator { get; } = new FundingOutboxTranslator();

    protected override IReadOnlyList<StreamFold> Folds { get; } =
    [
        StreamFold.Aggregate($"{FundingStreams.Category}-{{market}}", StreamFold.InCategory(FundingStreams.Category),
            stream => new AggregateDefinition<FundingMarketState>(FundingStreams.Category, FundingMarketState.Initial(stream[(FundingStreams.Category.Length + 1)..]),
                (state, stored) => FundingMarket.Evolve(state, FundingStoredEvents.ToDomain(stored))),
            FundingStoredEvents.Serializer),
    ];
}
