using System.Globalization;
using Clearing.Funding.Domain;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.Funding.Application;

/// <summary>
/// The clock of funding: for each perpetual, a tick on its sample grid (multiples of the sample period since the
/// epoch). The tick carries the grid time, not the wake-up time, so samples and boundaries are the same instants on
/// every run; a tick that wakes late still decides for its grid time, and ticks slept through are skipped (the domain
/// fixes a past interval on the next tick). Each tick reads the book and the index, and the domain decides.
/// </summary>
public sealed class FundingSampler(
    FundingMarkets markets,
    MarketBooks books,
    IndexPrices prices,
    FundingStreams streams,
    TimeProvider time,
    ILogger<FundingSampler> logger,
    Integration.FundingParametersGateway? governed = null) : BackgroundService
{
    private long _samples;
    private long _ratesFixed;
    private long _skipped;

    public long Samples => Interlocked.Read(ref _samples);

    public long RatesFixed => Interlocked.Read(ref _ratesFixed);

    /// <summary>Ticks with no usable index (no sample taken).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(markets.Parameters.Select(p => RunMarketAsync(p.Key, p.Value, stoppingToken)));

    /// <summary>One tick at <paramref name="tickUnixNanos"/>: observe, decide, store. Public for tests and for replaying a tick by hand.</summary>
    public async Task<IReadOnlyList<object>> TickAsync(string market, long tickUnixNanos, CancellationToken cancellationToken)
    {
        // Governance's cap in force at the tick (FundingParametersGateway); the configuration without it.
        var parameters = governed?.At(market, tickUnixNanos, markets.Parameters[market]) ?? markets.Parameters[market];
        var observation = Observe(market, tickUnixNanos, parameters);
        if (observation is null)
        {
            Interlocked.Increment(ref _skipped);
        }

        var events = await streams.TickAsync(market, new FundingTick(tickUnixNanos, observation), parameters, cancellationToken);
        foreach (var e in events)
        {
            switch (e)
            {
                case PremiumSampled:
                    Interlocked.Increment(ref _samples);
                    break;
                case FundingRateFixed f:
                    Interlocked.Increment(ref _ratesFixed);
                    logger.LogInformation(
                        "{Market}: funding rate {Rate} fixed for interval ending {End:o} from {Samples} samples (premium {Premium}, interest {Interest}{Capped})",
                        f.Market, f.Rate.ToString(CultureInfo.InvariantCulture), DateTimeOffset.UnixEpoch.AddTicks(f.IntervalEndUnixNanos / 100), f.Samples,
                        f.PremiumAverage.ToString(CultureInfo.InvariantCulture), f.InterestComponent.ToString(CultureInfo.InvariantCulture), f.Capped ? ", capped" : "");
                    break;
            }
        }

        return events;
    }

    private MarketObservation? Observe(string market, long tickUnixNanos, FundingParameters parameters)
    {
        var quote = prices.Usable(markets.Underlyings[market], tickUnixNanos, markets.Options.MaxIndexAge);
        if (quote is null)
        {
            return null;
        }

        var (bids, asks) = books.Depth(market, parameters.ImpactNotional);
        return new MarketObservation(quote.IndexPrice, quote.Marks.TryGetValue(market, out var mark) ? mark : null, bids, asks);
    }

    private async Task RunMarketAsync(string market, FundingParameters parameters, CancellationToken stoppingToken)
    {
        var period = parameters.SamplePeriod.Ticks * 100;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = NowUnixNanos();
            var next = ((now / period) + 1) * period;
            try
            {
                await Task.Delay(TimeSpan.FromTicks((next - now + 99) / 100), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await TickAsync(market, next, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A failed tick (store unavailable, a concurrent writer that kept winning) loses one sample; the next
                // tick decides again, and fixes a past interval then if this one was a boundary.
                logger.LogError(e, "{Market}: funding tick at {Tick} failed; the next tick retries", market, next);
            }
        }
    }

    private long NowUnixNanos() => (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
}
