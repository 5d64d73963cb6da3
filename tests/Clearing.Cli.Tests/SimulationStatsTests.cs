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
    public void no_backpressure_refusal_counts_zero()
    {
        var stats = new SimulationStats();
        stats.CommandRefused("rate-limit");

        stats.RefusedForBackpressure.ShouldBe(0);
    }
}
