using Clearing.Settlement.Domain.Expiry;

namespace Clearing.Settlement.Tests;

public sealed class TwapTests
{
    private const long S = 1_000_000_000;
    private const long Expiry = 1_800_000_000L * S;
    private static readonly TwapSettings Settings = TwapSettings.Default;
    private static readonly long Start = Expiry - Settings.WindowNanos;

    private static IndexObservation Ok(long seq, long time, decimal price) => new(seq, time, true, price);

    private static IndexObservation Stale(long seq, long time) => new(seq, time, false, 0m);

    /// <summary>One OK sample every 6 s over the whole window (Deribit's cadence: 300 points).</summary>
    private static List<IndexObservation> Every6s(Func<int, decimal> price) =>
        [.. Enumerable.Range(0, 300).Select(i => Ok(i + 1, Start + (i * 6 * S), price(i)))];

    [Fact]
    public void the_default_window_is_thirty_minutes()
    {
        Settings.WindowNanos.ShouldBe(30 * 60 * S);
    }

    [Fact]
    public void a_constant_index_settles_at_that_index()
    {
        var result = Twap.Compute(Every6s(_ => 60_000.5m), Expiry, Settings, 0.5m);
        result.Fixed.ShouldBeTrue();
        result.Price.ShouldBe(60_000.5m);
        result.Samples.ShouldBe(300);
        result.CoveredNanos.ShouldBe(Settings.WindowNanos);
        result.Gaps.ShouldBeEmpty();
    }

    [Fact]
    public void the_average_weighs_each_price_by_how_long_it_stood()
    {
        // 100 for the first 10 minutes, 130 for the last 20 (samples every 60 s so none goes stale): (100·10 + 130·20) / 30 = 120.
        var observations = Enumerable.Range(0, 30).Select(i => Ok(i + 1, Start + (i * 60 * S), i < 10 ? 100m : 130m));
        var result = Twap.Compute(observations, Expiry, Settings, 0.01m);
        result.ExactAverage.ShouldBe(120m);
        result.Price.ShouldBe(120m);
    }

    [Fact]
    public void the_result_is_rounded_to_the_tick_half_to_even_and_the_exact_average_is_kept()
    {
        // Alternating 100 and 101 every 6 s: an exact 100.5 average.
        var result = Twap.Compute(Every6s(i => i % 2 == 0 ? 100m : 101m), Expiry, Settings, 1m);
        result.ExactAverage.ShouldBe(100.5m);
        result.Price.ShouldBe(100m);
    }

    [Fact]
    public void an_exact_average_of_thirds_stays_exact_until_the_final_rounding()
    {
        // 1 for 20 minutes, 2 for 10 minutes → 4/3.
        var observations = Enumerable.Range(0, 30).Select(i => Ok(i + 1, Start + (i * 60 * S), i < 20 ? 1m : 2m));
        var result = Twap.Compute(observations, Expiry, Settings, 0.0001m);
        result.Price.ShouldBe(1.3333m);
        Math.Abs(result.ExactAverage - (4m / 3m)).ShouldBeLessThan(0.0000000000000000000001m);
    }

    [Fact]
    public void a_stale_observation_ends_the_previous_price_and_the_gap_is_left_out()
    {
        // 100 every 6 s, but from minute 10 to minute 20 the oracle reports STALE; then 200.
        var observations = new List<IndexObservation>();
        var seq = 0L;
        for (var t = Start; t < Expiry; t += 6 * S)
        {
            var minute = (t - Start) / (60 * S);
            observations.Add(minute < 10 ? Ok(++seq, t, 100m) : minute < 20 ? Stale(++seq, t) : Ok(++seq, t, 200m));
        }

        var result = Twap.Compute(observations, Expiry, Settings, 0.01m);
        result.Fixed.ShouldBeTrue();
        result.Price.ShouldBe(150m);
        result.CoveredNanos.ShouldBe(20 * 60 * S);
        result.Gaps.ShouldBe([(Start + (10 * 60 * S), Start + (20 * 60 * S))]);
    }

    [Fact]
    public void a_sample_stands_for_at_most_its_age_limit()
    {
        // One sample at the start and one 20 minutes in: each covers 60 s, the rest is gap → coverage too low.
        var result = Twap.Compute([Ok(1, Start, 100m), Ok(2, Start + (20 * 60 * S), 200m)], Expiry, Settings, 0.01m);
        result.Fixed.ShouldBeFalse();
        result.CoveredNanos.ShouldBe(120 * S);
        result.Reason!.ShouldContain("only 6.67% of the window is covered");
    }

    [Fact]
    public void the_last_sample_before_the_window_carries_in_within_its_age()
    {
        var observations = new List<IndexObservation> { Ok(1, Start - (30 * S), 50m) };
        observations.AddRange(Enumerable.Range(0, 30).Select(i => Ok(i + 2, Start + (30 * S) + (i * 60 * S), 100m)));
        var result = Twap.Compute(observations, Expiry, Settings, 0.0001m);
        // 50 stands for the first 30 s of the window (its 60 s age ends there), 100 for the rest.
        result.ExactAverage.ShouldBe(((50m * 30) + (100m * 1770)) / 1800);
        result.Gaps.ShouldBeEmpty();
    }

    [Fact]
    public void observations_after_expiry_are_ignored()
    {
        var observations = Every6s(_ => 100m);
        observations.Add(Ok(999, Expiry + S, 1_000_000m));
        Twap.Compute(observations, Expiry, Settings, 0.01m).Price.ShouldBe(100m);
    }

    [Fact]
    public void the_arrival_order_does_not_change_the_price()
    {
        var observations = Every6s(i => 100m + (i % 7));
        var shuffled = observations.OrderBy(o => (o.Sequence * 7919) % 301).ToList();
        Twap.Compute(shuffled, Expiry, Settings, 0.01m).ShouldBeEquivalentTo(Twap.Compute(observations, Expiry, Settings, 0.01m));
    }

    [Fact]
    public void no_ok_sample_at_all_is_not_fixed()
    {
        var result = Twap.Compute([Stale(1, Start + S)], Expiry, Settings, 0.01m);
        result.Fixed.ShouldBeFalse();
        result.Samples.ShouldBe(0);
    }

    [Fact]
    public void prices_too_precise_for_exact_weighting_are_refused()
    {
        Should.Throw<ArgumentException>(() => Twap.Compute([Ok(1, Start, 1234567.1234567891m)], Expiry, Settings, 0.01m))
            .Message.ShouldContain("at most 15 significant digits");
    }

    [Fact]
    public void invalid_settings_are_refused_naming_the_setting()
    {
        Should.Throw<ArgumentException>(() => Twap.Compute([], Expiry, Settings with { MinCoverage = 0m }, 0.01m)).Message.ShouldContain("MinCoverage");
    }

    [Fact]
    public void an_observation_is_relevant_only_near_the_window()
    {
        InstrumentExpiry.IsRelevant(Start - Settings.MaxSampleAgeNanos, Expiry, Settings).ShouldBeTrue();
        InstrumentExpiry.IsRelevant(Start - Settings.MaxSampleAgeNanos - 1, Expiry, Settings).ShouldBeFalse();
        InstrumentExpiry.IsRelevant(Expiry + 1, Expiry, Settings).ShouldBeFalse();
    }
}
