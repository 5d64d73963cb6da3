using Clearing.Funding.Domain;

namespace Clearing.Funding.Tests.Domain;

public sealed class FundingMarketTests
{
    private const string Market = "BTC-PERP";
    private const long Second = 1_000_000_000L;

    // A minute-long interval of 12 five-second samples, 1,000 notional: small numbers that keep the arithmetic readable.
    private static readonly FundingParameters Parameters = new()
    {
        Interval = TimeSpan.FromMinutes(1),
        SamplePeriod = TimeSpan.FromSeconds(5),
        ImpactNotional = 1_000m,
    };

    /// <summary>A book whose impact bid and ask are exactly <paramref name="bid"/> and <paramref name="ask"/>.</summary>
    private static MarketObservation Book(decimal index, decimal bid, decimal ask, decimal? mark = null) =>
        new(index, mark, [new BookLevel(bid, 1_000m)], [new BookLevel(ask, 1_000m)]);

    private static FundingTick Tick(long seconds, MarketObservation? observation) => new(seconds * Second, observation);

    private static (FundingMarketState State, List<object> Events) Run(IEnumerable<FundingTick> ticks, FundingParameters? parameters = null)
    {
        var state = FundingMarketState.Initial(Market);
        var all = new List<object>();
        foreach (var tick in ticks)
        {
            var events = FundingMarket.Decide(state, tick, parameters ?? Parameters);
            state = events.Aggregate(state, FundingMarket.Evolve);
            all.AddRange(events);
        }

        return (state, all);
    }

    [Fact]
    public void a_tick_with_an_observation_records_the_impact_prices_and_the_premium()
    {
        var events = FundingMarket.Decide(FundingMarketState.Initial(Market), Tick(65, Book(100m, 101m, 102m, mark: 100.5m)), Parameters);

        var sample = events.ShouldHaveSingleItem().ShouldBeOfType<PremiumSampled>();
        sample.ShouldBe(new PremiumSampled(Market, 65 * Second, 60 * Second, 100m, 100.5m, 101m, 102m, 0.01m));
    }

    [Fact]
    public void the_rate_is_fixed_at_the_interval_boundary_from_the_mean_of_its_samples()
    {
        // 12 samples in [60 s, 120 s): six at +1%, six at 0 → P̄ = 0.5%.
        var ticks = Enumerable.Range(0, 12)
            .Select(i => Tick(60 + (5 * i), i % 2 == 0 ? Book(100m, 101m, 102m) : Book(100m, 99m, 101m)))
            .Append(Tick(120, Book(100m, 99m, 101m)));

        var (state, events) = Run(ticks);

        var fixedRate = events.OfType<FundingRateFixed>().ShouldHaveSingleItem();
        fixedRate.IntervalStartUnixNanos.ShouldBe(60 * Second);
        fixedRate.IntervalEndUnixNanos.ShouldBe(120 * Second);
        fixedRate.Samples.ShouldBe(12);
        fixedRate.PremiumAverage.ShouldBe(0.005m);
        fixedRate.InterestComponent.ShouldBe(-Parameters.InterestBand);
        fixedRate.Rate.ShouldBe(0.005m - Parameters.InterestBand);
        fixedRate.Capped.ShouldBeFalse();
        fixedRate.Sequence.ShouldBe(1);
        fixedRate.Cap.ShouldBe(Parameters.Cap);
        fixedRate.InterestRate.ShouldBe(Parameters.InterestRate);

        // The boundary tick fixes first, then opens the next interval with its own sample.
        events[^2].ShouldBeSameAs(fixedRate);
        var opening = events[^1].ShouldBeOfType<PremiumSampled>();
        opening.IntervalStartUnixNanos.ShouldBe(120 * Second);
        state.Samples.ShouldBe(1);
        state.RatesFixed.ShouldBe(1);
    }

    [Fact]
    public void a_premium_beyond_the_cap_is_clamped_and_marked_capped()
    {
        var ticks = new[] { Tick(0, Book(100m, 110m, 111m)), Tick(60, null) };

        var fixedRate = Run(ticks).Events.OfType<FundingRateFixed>().ShouldHaveSingleItem();

        fixedRate.PremiumAverage.ShouldBe(0.1m);
        fixedRate.Rate.ShouldBe(Parameters.Cap);
        fixedRate.UncappedRate.ShouldBe(0.1m - Parameters.InterestBand);
        fixedRate.Capped.ShouldBeTrue();
    }

    [Fact]
    public void a_quiet_interval_fixes_the_interest_rate()
    {
        var ticks = Enumerable.Range(0, 12).Select(i => Tick(5 * i, Book(100m, 99.99m, 100.01m))).Append(Tick(60, null));

        var fixedRate = Run(ticks).Events.OfType<FundingRateFixed>().ShouldHaveSingleItem();

        fixedRate.PremiumAverage.ShouldBe(0m);
        fixedRate.InterestComponent.ShouldBe(Parameters.InterestRate);
        fixedRate.Rate.ShouldBe(Parameters.InterestRate);
    }

    [Fact]
    public void a_tick_without_an_observation_still_fixes_the_interval_but_adds_no_sample()
    {
        var (state, events) = Run([Tick(0, Book(100m, 101m, 102m)), Tick(55, null), Tick(60, null)]);

        var fixedRate = events.OfType<FundingRateFixed>().ShouldHaveSingleItem();
        fixedRate.Samples.ShouldBe(1);
        fixedRate.IndexPrice.ShouldBe(100m);
        state.HasOpenInterval.ShouldBeFalse();
    }

    [Fact]
    public void an_interval_with_no_samples_fixes_no_rate()
    {
        // Sampled in [0, 60), nothing in [60, 180) (index stale, service down), sampled again from 180.
        var (_, events) = Run([Tick(0, Book(100m, 101m, 102m)), Tick(60, null), Tick(120, null), Tick(180, Book(100m, 99m, 101m)), Tick(240, null)]);

        var rates = events.OfType<FundingRateFixed>().ToList();
        rates.Select(r => r.IntervalStartUnixNanos).ShouldBe([0L, 180 * Second]);
        rates.Select(r => r.Sequence).ShouldBe([1L, 2L]);
    }

    [Fact]
    public void a_tick_at_or_before_the_last_sample_decides_nothing()
    {
        var (state, _) = Run([Tick(5, Book(100m, 101m, 102m))]);

        FundingMarket.Decide(state, Tick(5, Book(100m, 105m, 106m)), Parameters).ShouldBeEmpty();
        FundingMarket.Decide(state, Tick(0, Book(100m, 105m, 106m)), Parameters).ShouldBeEmpty();
    }

    [Fact]
    public void a_tick_off_the_sample_grid_is_refused()
    {
        var tick = new FundingTick((5 * Second) + 1, null);
        Should.Throw<ArgumentException>(() => FundingMarket.Decide(FundingMarketState.Initial(Market), tick, Parameters)).Message.ShouldContain("sample grid");
    }

    [Fact]
    public void the_last_mark_of_the_interval_is_carried_into_the_fixed_rate()
    {
        var (_, events) = Run([Tick(0, Book(100m, 101m, 102m, mark: 100.4m)), Tick(5, Book(100.2m, 101m, 102m)), Tick(60, null)]);

        var fixedRate = events.OfType<FundingRateFixed>().ShouldHaveSingleItem();
        fixedRate.IndexPrice.ShouldBe(100.2m);
        fixedRate.MarkPrice.ShouldBe(100.4m);
    }

    [Fact]
    public void a_stream_with_a_sample_of_another_interval_while_one_is_open_is_refused_on_replay()
    {
        var state = FundingMarket.Evolve(FundingMarketState.Initial(Market), new PremiumSampled(Market, 0, 0, 100m, null, null, null, 0m));
        var stray = new PremiumSampled(Market, 60 * Second, 60 * Second, 100m, null, null, null, 0m);

        Should.Throw<InvalidOperationException>(() => FundingMarket.Evolve(state, stray)).Message.ShouldContain("still open");
    }

    [Fact]
    public void the_same_ticks_give_the_same_events_and_the_stored_samples_reproduce_every_rate()
    {
        var ticks = RandomTicks(seed: 7, count: 400).ToList();

        var first = Run(ticks);
        var second = Run(ticks);

        second.Events.ShouldBe(first.Events);
        FundingMarket.Replay(Market, first.Events).ShouldBe(first.State);
        var rates = first.Events.OfType<FundingRateFixed>().ToList();
        rates.Count.ShouldBeGreaterThan(20);

        // Audit: every stored rate follows from the stored samples of its interval and the recorded parameters.
        foreach (var rate in rates)
        {
            var samples = first.Events.OfType<PremiumSampled>().Where(s => s.IntervalStartUnixNanos == rate.IntervalStartUnixNanos).ToList();
            samples.Count.ShouldBe(rate.Samples);
            var recomputed = FundingRate.Fix(FundingRate.Average(samples.Sum(s => s.Premium), samples.Count), Parameters with { Cap = rate.Cap, InterestRate = rate.InterestRate });
            recomputed.Rate.ShouldBe(rate.Rate);
        }
    }

    [Fact]
    public void intervals_are_aligned_to_the_epoch()
    {
        FundingMarket.IntervalStartOf(3_599 * Second, FundingParameters.Default).ShouldBe(0);
        FundingMarket.IntervalStartOf(3_600 * Second, FundingParameters.Default).ShouldBe(3_600 * Second);
        FundingMarket.IntervalStartOf(7_199 * Second, FundingParameters.Default).ShouldBe(3_600 * Second);
    }

    private static IEnumerable<FundingTick> RandomTicks(int seed, int count)
    {
        var random = new Random(seed);
        var index = 30_000m;
        for (var i = 0; i < count; i++)
        {
            index += random.Next(-50, 51) * 0.5m;
            if (random.Next(10) == 0)
            {
                yield return Tick(5L * i, null);
                continue;
            }

            var bids = Enumerable.Range(0, random.Next(0, 4)).Select(l => new BookLevel(index - (l * 0.5m) + (random.Next(-40, 41) * 0.5m), random.Next(1, 30) * 0.001m)).OrderByDescending(l => l.Price).ToList();
            var asks = Enumerable.Range(0, random.Next(0, 4)).Select(l => new BookLevel(index + (l * 0.5m) + (random.Next(-40, 41) * 0.5m), random.Next(1, 30) * 0.001m)).OrderBy(l => l.Price).ToList();
            yield return Tick(5L * i, new MarketObservation(index, index + 1m, bids, asks));
        }
    }
}
