namespace Clearing.Funding.Domain;

/// <summary>What the book and the oracle said at one sample instant. Levels are best first.</summary>
public sealed record MarketObservation(decimal IndexPrice, decimal? MarkPrice, IReadOnlyList<BookLevel> BidsBestFirst, IReadOnlyList<BookLevel> AsksBestFirst);

/// <summary>
/// A clock tick on the sample grid. <see cref="Observation"/> is null when there is nothing to sample (no fresh, OK
/// index): the tick can still close an interval, but it adds no sample.
/// </summary>
public sealed record FundingTick(long TimeUnixNanos, MarketObservation? Observation);

/// <summary>
/// The funding state of one perpetual (stream funding-{market}): the open interval's samples and the count of rates
/// fixed so far. An interval opens with its first sample; one in which nothing was sampled (the service was down, or
/// the index was stale throughout) fixes no rate, so nobody pays funding on no evidence.
/// </summary>
public sealed record FundingMarketState(
    string Market,
    long OpenIntervalStartUnixNanos,
    int Samples,
    decimal PremiumSum,
    long LastSampleUnixNanos,
    long RatesFixed,
    decimal LastIndexPrice,
    decimal? LastMarkPrice)
{
    public const long None = -1;

    public static FundingMarketState Initial(string market) => new(market, None, 0, 0m, None, 0, 0m, null);

    public bool HasOpenInterval => OpenIntervalStartUnixNanos != None;
}

/// <summary>
/// The funding decisions (DESIGN.md §5): <see cref="Decide"/> holds the rules, <see cref="Evolve"/> only folds.
/// Time is the tick's, never read here, so a replay of the same ticks gives the same events.
/// </summary>
public static class FundingMarket
{
    /// <summary>
    /// On a tick at t: if t is past the open interval, that interval's rate is fixed first (at its end, not at t);
    /// then, with an observation, a premium sample at t is taken for the interval holding t. A tick at or before the
    /// last sample is a repeat and decides nothing. Ticks must lie on the sample grid (multiples of the sample period
    /// since the Unix epoch), so boundaries, which are multiples of the interval, are ticks too.
    /// </summary>
    public static IReadOnlyList<object> Decide(FundingMarketState state, FundingTick tick, FundingParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(tick);
        ArgumentNullException.ThrowIfNull(parameters);
        var time = tick.TimeUnixNanos;
        if (time < 0 || time % parameters.SamplePeriodNanos != 0)
        {
            throw new ArgumentException($"{state.Market}: tick at {time} ns is not on the {parameters.SamplePeriod} sample grid", nameof(tick));
        }

        if (time <= state.LastSampleUnixNanos)
        {
            return [];
        }

        var events = new List<object>(2);
        var intervalStart = IntervalStartOf(time, parameters);
        if (state.HasOpenInterval && intervalStart > state.OpenIntervalStartUnixNanos)
        {
            events.Add(FixRate(state, parameters));
        }

        if (tick.Observation is { } observation)
        {
            events.Add(Sample(state.Market, time, intervalStart, observation, parameters));
        }

        return events;
    }

    public static FundingMarketState Evolve(FundingMarketState state, object @event) => @event switch
    {
        PremiumSampled s => EvolveSample(state, s),
        FundingRateFixed f => state with
        {
            OpenIntervalStartUnixNanos = FundingMarketState.None,
            Samples = 0,
            PremiumSum = 0m,
            RatesFixed = f.Sequence,
        },
        _ => throw new ArgumentException($"{state.Market}: {@event.GetType().Name} is not a funding event", nameof(@event)),
    };

    public static FundingMarketState Replay(string market, IEnumerable<object> events) =>
        events.Aggregate(FundingMarketState.Initial(market), Evolve);

    /// <summary>The start of the interval holding <paramref name="timeUnixNanos"/>: intervals are aligned to the epoch.</summary>
    public static long IntervalStartOf(long timeUnixNanos, FundingParameters parameters)
    {
        var interval = parameters.IntervalNanos;
        return timeUnixNanos - (((timeUnixNanos % interval) + interval) % interval);
    }

    /// <summary>The premium sample for one observation: impact prices for the configured notional, then the premium.</summary>
    public static PremiumSampled Sample(string market, long time, long intervalStart, MarketObservation observation, FundingParameters parameters)
    {
        if (observation.IndexPrice <= 0)
        {
            throw new ArgumentException($"{market}: index price must be > 0, got {observation.IndexPrice}", nameof(observation));
        }

        var impactBid = ImpactPrice.Walk(observation.BidsBestFirst, parameters.ImpactNotional);
        var impactAsk = ImpactPrice.Walk(observation.AsksBestFirst, parameters.ImpactNotional);
        var premium = Premium.Sample(impactBid, impactAsk, observation.IndexPrice);
        return new PremiumSampled(market, time, intervalStart, observation.IndexPrice, observation.MarkPrice, impactBid, impactAsk, premium);
    }

    private static FundingRateFixed FixRate(FundingMarketState state, FundingParameters parameters)
    {
        var fix = FundingRate.Fix(FundingRate.Average(state.PremiumSum, state.Samples), parameters);
        var start = state.OpenIntervalStartUnixNanos;
        return new FundingRateFixed(
            state.Market,
            state.RatesFixed + 1,
            start,
            start + parameters.IntervalNanos,
            state.Samples,
            fix.PremiumAverage,
            fix.InterestComponent,
            fix.UncappedRate,
            fix.Rate,
            fix.Capped,
            parameters.Cap,
            parameters.InterestRate,
            state.LastIndexPrice,
            state.LastMarkPrice);
    }

    private static FundingMarketState EvolveSample(FundingMarketState state, PremiumSampled s)
    {
        if (state.HasOpenInterval && s.IntervalStartUnixNanos != state.OpenIntervalStartUnixNanos)
        {
            // Decide always fixes the open interval before sampling the next; a stream that does not is damaged.
            throw new InvalidOperationException(
                $"{state.Market}: sample at {s.SampledAtUnixNanos} belongs to interval {s.IntervalStartUnixNanos} while interval {state.OpenIntervalStartUnixNanos} is still open");
        }

        return state with
        {
            OpenIntervalStartUnixNanos = s.IntervalStartUnixNanos,
            Samples = state.Samples + 1,
            PremiumSum = state.PremiumSum + s.Premium,
            LastSampleUnixNanos = s.SampledAtUnixNanos,
            LastIndexPrice = s.IndexPrice,
            LastMarkPrice = s.MarkPrice ?? state.LastMarkPrice,
        };
    }
}
