using System.Collections.Concurrent;
using Clearing.Matching.Application;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;

namespace Clearing.Matching.Integration;

/// <summary>
/// Governance → matching: each market's registry set (<c>market-{symbol}</c>, <see cref="MarketParameters"/>) gives the
/// "default" fee tier's maker/taker rates, the price band and the halted flag. The feed is the service's own copy of the
/// registry (stored in its event store, folded at start-up before the processor runs); the books ask it with the time of
/// the input they are about to apply and store what they applied (<see cref="ParamsInput"/>), so replays and snapshot
/// restores never ask again. Named fee tiers (Matching:FeeTiers) stay configuration.
/// </summary>
public sealed class MatchingParametersGateway(ParameterFeed feed, ILogger<MatchingParametersGateway> logger) : IMarketGovernance
{
    private readonly ConcurrentDictionary<string, string> _setIds = new(StringComparer.Ordinal);

    /// <summary>Completes once the stored registry is folded (the processor waits for it before replaying and consuming).</summary>
    public Task WhenLoaded(CancellationToken cancellationToken) => feed.WhenLoaded(cancellationToken);

    public ParameterVersion? At(string market, DateTimeOffset time) => feed.At(_setIds.GetOrAdd(market, ParameterSets.MarketSet), time);

    public void Applied(string market, ParamsInput input)
    {
        if (input.Refused is { } refused)
        {
            logger.LogWarning("{Market}: governance version {Version} of market-{Market} partly refused by matching ({Refused}); the value in force stays for what was refused. Applied: maker {Maker}, taker {Taker}, band {Band}, halted {Halted}",
                market, input.Version, market, refused, input.MakerFee ?? "(kept)", input.TakerFee ?? "(kept)", input.PriceBand ?? "(kept)", input.Halted);
            return;
        }
        logger.LogInformation("{Market}: governance version {Version} of market-{Market} (effective {Effective}) applied from the input at {Time} ns: maker {Maker}, taker {Taker}, band {Band}, halted {Halted}",
            market, input.Version, market, input.EffectiveAt, input.Time, input.MakerFee, input.TakerFee, input.PriceBand, input.Halted);
    }
}
