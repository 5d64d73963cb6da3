using Clearing.OracleIngest.Domain;

namespace Clearing.OracleIngest.Tests;

public sealed class AggregationTests
{
    private static readonly long T0 = OracleWorld.T0;
    private const long Second = Nanos.PerSecond;

    [Fact]
    public void index_is_the_median_of_fresh_reports_once_the_quorum_is_met()
    {
        var world = new OracleWorld();
        world.Receive(world.Signed("pub-1", "100", T0), T0);
        world.Receive(world.Signed("pub-2", "101", T0), T0);
        world.LastIndex.Status.ShouldBe(IndexStatus.Stale);

        world.Receive(world.Signed("pub-3", "100.6", T0), T0);

        world.LastIndex.Status.ShouldBe(IndexStatus.Ok);
        world.LastIndex.IndexPrice.ShouldBe(100.6m);
        world.LastIndex.Publishers.ShouldBe(["pub-1", "pub-2", "pub-3"]);
    }

    [Fact]
    public void one_publisher_lying_by_half_moves_the_index_less_than_the_band()
    {
        var world = new OracleWorld();
        world.AllReport(64_000m, T0);
        var honest = world.LastIndex.IndexPrice!.Value;

        world.Receive(world.Signed("pub-5", "96000", T0 + Second), T0 + Second);

        var index = world.LastIndex;
        index.Status.ShouldBe(IndexStatus.Ok);
        (Math.Abs(index.IndexPrice!.Value - honest) / honest).ShouldBeLessThan(world.Parameters.BreakerBand);
        index.IndexPrice.ShouldBe(64_000m);
        index.OutliersDropped.ShouldBe(1);
        index.OutlierPublishers.ShouldBe(["pub-5"]);
        index.Publishers.ShouldNotContain("pub-5");
    }

    [Fact]
    public void one_publisher_lying_by_half_downwards_is_dropped_too()
    {
        var world = new OracleWorld(publishers: 3);
        world.AllReport(64_000m, T0);

        world.Receive(world.Signed("pub-2", "32000", T0 + Second), T0 + Second);

        world.LastIndex.IndexPrice.ShouldBe(64_000m);
        world.LastIndex.OutlierPublishers.ShouldBe(["pub-2"]);
        world.LastIndex.Status.ShouldBe(IndexStatus.Stale, "with three publishers, dropping the liar leaves two: below quorum, so stale rather than guessed");
    }

    [Fact]
    public void honest_dispersion_within_the_mad_floor_drops_nobody()
    {
        var world = new OracleWorld();
        var prices = new[] { "64000", "64000", "64000", "64001", "64003" };
        for (var i = 0; i < 5; i++)
        {
            world.Receive(world.Signed(world.PublisherIds[i], prices[i], T0), T0);
        }

        world.LastIndex.OutliersDropped.ShouldBe(0);
        world.LastIndex.IndexPrice.ShouldBe(64_000m);
    }

    [Fact]
    public void quorum_short_makes_the_index_stale_repeating_the_last_good_value()
    {
        var world = new OracleWorld();
        world.AllReport(64_000m, T0);

        // Only two publishers keep reporting; the others' last reports age past the 10 s staleness limit.
        var later = T0 + 11 * Second;
        world.Receive(world.Signed("pub-1", "70000", later), later);
        world.Receive(world.Signed("pub-2", "70000", later), later);

        var index = world.LastIndex;
        index.Status.ShouldBe(IndexStatus.Stale);
        index.IndexPrice.ShouldBe(64_000m, "a stale index repeats the last good value, it never guesses from two publishers");
        index.Candidate.ShouldBeNull();
        index.Marks.ShouldBeEmpty();
        index.Reason.ShouldBe("stale: 2 fresh publisher(s), quorum is 3");
    }

    [Fact]
    public void timer_notices_staleness_without_new_reports_and_is_silent_when_nothing_changed()
    {
        var world = new OracleWorld();
        world.AllReport(64_000m, T0);
        var published = world.Indexes.Count();

        world.Tick(T0 + 5 * Second).ShouldBeEmpty();
        var stale = world.Tick(T0 + 11 * Second).ShouldHaveSingleItem().ShouldBeOfType<IndexPublished>();
        world.Tick(T0 + 12 * Second).ShouldBeEmpty();

        stale.Status.ShouldBe(IndexStatus.Stale);
        stale.PriceSequence.ShouldBe(published + 1);
    }

    [Fact]
    public void price_sequence_is_gap_free_across_reports_and_ticks()
    {
        var world = new OracleWorld();
        world.AllReport(64_000m, T0);
        world.Tick(T0 + 11 * Second);
        world.AllReport(64_100m, T0 + 12 * Second);

        world.Indexes.Select(i => i.PriceSequence).ShouldBe(Enumerable.Range(1, world.Indexes.Count()).Select(i => (long)i));
    }

    [Fact]
    public void circuit_breaker_trips_on_a_move_beyond_the_band_within_the_window()
    {
        var world = new OracleWorld();
        world.AllReport(64_000m, T0);

        world.AllReport(72_000m, T0 + 10 * Second);

        var trip = world.Events.OfType<CircuitBreakerTripped>().ShouldHaveSingleItem();
        trip.WindowLow.ShouldBe(64_000m);
        trip.Move.ShouldBe(0.125m);
        world.LastIndex.Status.ShouldBe(IndexStatus.CircuitBreaker);
        world.LastIndex.IndexPrice.ShouldBe(72_000m);
        world.State.BreakerTripped.ShouldBeTrue();
    }

    [Fact]
    public void a_slow_move_beyond_the_band_over_longer_than_the_window_does_not_trip()
    {
        var world = new OracleWorld();
        for (var minute = 0; minute <= 4; minute++)
        {
            world.AllReport(64_000m * (1 + 0.05m * minute), T0 + minute * 60 * Second);
        }

        world.Events.OfType<CircuitBreakerTripped>().ShouldBeEmpty();
        world.LastIndex.Status.ShouldBe(IndexStatus.Ok);
    }

    [Fact]
    public void tripped_breaker_clears_when_prices_settle_for_the_settle_period()
    {
        var world = new OracleWorld();
        world.AllReport(64_000m, T0);
        world.AllReport(72_000m, T0 + 10 * Second);

        world.AllReport(72_100m, T0 + 60 * Second);
        world.LastIndex.Status.ShouldBe(IndexStatus.CircuitBreaker, "the settle period (120 s) has not passed");
        world.AllReport(72_050m, T0 + 131 * Second);

        world.Events.OfType<CircuitBreakerCleared>().ShouldHaveSingleItem().Reason.ShouldStartWith("prices settled");
        world.LastIndex.Status.ShouldBe(IndexStatus.Ok);
    }

    [Fact]
    public void operator_reset_clears_the_breaker_and_restarts_the_window()
    {
        var world = new OracleWorld();
        world.AllReport(64_000m, T0);
        world.AllReport(72_000m, T0 + 10 * Second);

        world.Reset(T0 + 20 * Second).ShouldHaveSingleItem().ShouldBeOfType<CircuitBreakerReset>().ResetBy.ShouldBe("ops-alice");
        world.AllReport(72_000m, T0 + 21 * Second);

        world.LastIndex.Status.ShouldBe(IndexStatus.Ok);
        world.Events.OfType<CircuitBreakerTripped>().Count().ShouldBe(1, "the reset window no longer holds the pre-trip 64 000");
    }

    [Fact]
    public void stale_index_after_a_trip_repeats_the_last_good_pre_trip_value()
    {
        var world = new OracleWorld();
        world.AllReport(64_000m, T0);
        world.AllReport(72_000m, T0 + 10 * Second);

        world.Tick(T0 + 30 * Second).ShouldHaveSingleItem().ShouldBeOfType<IndexPublished>().IndexPrice.ShouldBe(64_000m);
    }
}
