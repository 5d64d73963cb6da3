using Clearing.Funding.Domain;

namespace Clearing.Funding.Tests.Domain;

public sealed class ImpactPriceTests
{
    [Fact]
    public void notional_filled_inside_the_best_level_trades_at_that_level()
    {
        ImpactPrice.Walk([new BookLevel(100m, 10m)], 500m).ShouldBe(100m);
    }

    [Fact]
    public void impact_price_is_the_average_fill_price_across_levels()
    {
        // 1,000 at 100 buys 10; the remaining 1,100 at 110 buys 10 more: 2,100 for 20 units → 105.
        var asks = new[] { new BookLevel(100m, 10m), new BookLevel(110m, 50m) };
        ImpactPrice.Walk(asks, 2_100m).ShouldBe(105m);
    }

    [Fact]
    public void the_last_level_is_filled_only_for_the_notional_that_is_left()
    {
        // 1,000 at 100 (10 units) then 500 at 50 (10 units): 1,500 / 20 = 75, whatever else rests at 50.
        var bids = new[] { new BookLevel(100m, 10m), new BookLevel(50m, 1_000m) };
        ImpactPrice.Walk(bids, 1_500m).ShouldBe(75m);
    }

    [Fact]
    public void a_side_without_enough_depth_has_no_impact_price()
    {
        ImpactPrice.Walk([new BookLevel(100m, 1m), new BookLevel(99m, 1m)], 25_000m).ShouldBeNull();
        ImpactPrice.Walk([], 1m).ShouldBeNull();
    }

    [Fact]
    public void a_level_with_no_quantity_is_refused()
    {
        Should.Throw<ArgumentException>(() => ImpactPrice.Walk([new BookLevel(100m, 0m)], 1m)).Message.ShouldContain("book level 0");
    }

    [Fact]
    public void a_non_positive_notional_is_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => ImpactPrice.Walk([new BookLevel(100m, 1m)], 0m)).Message.ShouldContain("impact notional");
    }
}
