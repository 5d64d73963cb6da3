using Clearing.Cli.Commands.Simulate;

namespace Clearing.Cli.Tests;

public sealed class SimulationStatsTests
{
    [Fact]
    public void refusals_for_backpressure_are_counted_apart_from_refusals_for_the_order_itself()
    {
        var stats = new SimulationStats();
        stats.CommandRefused("backpressure");
        stats.CommandRefused("backpressure");
        stats.CommandRefused("insufficient-margin");

        stats.CommandsRefused.ShouldBe(3);
        stats.RefusedForBackpressure.ShouldBe(2);
        stats.RefusalsByRule["insufficient-margin"].ShouldBe(1);
    }

    [Fact]
    public void a_taker_send_records_how_late_it_was_against_the_offer_schedule_and_never_a_negative_lag()
    {
        var stats = new SimulationStats();
        stats.TakerSent(TimeSpan.FromMilliseconds(520), firstOrder: 50, ratePerSecond: 100);
        stats.TakerSent(TimeSpan.FromMilliseconds(490), firstOrder: 50, ratePerSecond: 100);

        stats.TakerSendLagMillis.ToArray()[0].ShouldBe(20, tolerance: 1e-9);
        stats.TakerSendLagMillis.ToArray()[1].ShouldBe(0);
    }

    [Fact]
    public void no_backpressure_refusal_counts_zero()
    {
        var stats = new SimulationStats();
        stats.CommandRefused("rate-limit");

        stats.RefusedForBackpressure.ShouldBe(0);
    }

    [Fact]
    public void backpressure_refusals_are_counted_by_what_was_behind()
    {
        var stats = new SimulationStats();
        stats.CommandRefused("backpressure", "backpressure: consumer group 'margin-fills' is 5210 message(s) behind on clearing.matching.events.v1 (bound 5000); retry shortly");
        stats.CommandRefused("backpressure", "backpressure: consumer group 'matching' is 6000 message(s) behind on clearing.orders.commands.v1 (bound 5000); retry shortly");
        stats.CommandRefused("backpressure", "backpressure: the gateway has 20001 accepted command(s) not yet published to clearing.orders.commands.v1 (bound 20000); retry shortly");
        stats.CommandRefused("backpressure", "backpressure: consumer group 'margin-fills' is 5300 message(s) behind on clearing.matching.events.v1 (bound 5000); retry shortly");

        stats.BackpressureBy.ShouldBe(new Dictionary<string, long> { ["margin-fills"] = 2, ["matching"] = 1, ["gateway-outbox"] = 1 }, ignoreOrder: true);
        stats.LastBackpressure.ShouldNotBeNull().ShouldContain("5300");
    }
}
