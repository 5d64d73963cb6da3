using Clearing.EventSourcing;
using Clearing.Funding.Domain;

namespace Clearing.Funding.Application;

/// <summary>
/// The funding-{market} streams: each tick's decision is appended with the version its state was loaded at
/// (AggregateRepository), so two writers for one market cannot both fix an interval; the loser reloads and decides
/// again, and then finds the interval already fixed.
/// </summary>
public sealed class FundingStreams
{
    public const string Category = "funding";

    private readonly AggregateRepository<FundingMarketState> _repository;

    public FundingStreams(IEventStore store)
    {
        Store = store;
        _repository = new AggregateRepository<FundingMarketState>(
            store,
            FundingStoredEvents.Serializer,
            // The initial state's market name is filled in from the first event; the stored name is what counts.
            new AggregateDefinition<FundingMarketState>(Category, FundingMarketState.Initial(""), Evolve) { SnapshotEvery = 500 });
    }

    public IEventStore Store { get; }

    public static string StreamIdOf(string market) => StreamName.For(Category, market);

    public async Task<FundingMarketState> LoadAsync(string market, CancellationToken cancellationToken)
    {
        var loaded = await _repository.LoadAsync(market, cancellationToken);
        return loaded.State with { Market = market };
    }

    /// <summary>Decides a tick against fresh state and appends the events; returns the domain events written.</summary>
    public async Task<IReadOnlyList<object>> TickAsync(string market, FundingTick tick, FundingParameters parameters, CancellationToken cancellationToken)
    {
        var written = await _repository.ExecuteAsync(
            market,
            state => FundingMarket.Decide(state with { Market = market }, tick, parameters).Select(FundingStoredEvents.ToStored).ToList(),
            cancellationToken: cancellationToken);
        return written.Select(FundingStoredEvents.ToDomain).ToList();
    }

    private static FundingMarketState Evolve(FundingMarketState state, object stored)
    {
        var domainEvent = FundingStoredEvents.ToDomain(stored);
        var market = domainEvent switch
        {
            PremiumSampled s => s.Market,
            FundingRateFixed f => f.Market,
            _ => state.Market,
        };
        return FundingMarket.Evolve(state with { Market = market }, domainEvent);
    }
}
