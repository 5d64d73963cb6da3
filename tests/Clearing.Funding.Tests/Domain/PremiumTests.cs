using Clearing.Funding.Domain;

namespace Clearing.Funding.Tests.Domain;

public sealed class PremiumTests
{
    [Fact]
    public void impact_bid_above_the_index_gives_a_positive_premium()
    {
        Premium.Sample(impactBid: 101m, impactAsk: 102m, index: 100m).ShouldBe(0.01m);
    }

    [Fact]
    public void impact_ask_below_the_index_gives_a_negative_premium()
    {
        Premium.Sample(impactBid: 97m, impactAsk: 98m, index: 100m).ShouldBe(-0.02m);
    }

    [Fact]
    public void an_index_between_the_impact_prices_gives_no_premium()
    {
        Premium.Sample(impactBid: 99m, impactAsk: 101m, index: 100m).ShouldBe(0m);
    }

    [Fact]
    public void a_side_too_thin_for_the_impact_notional_contributes_nothing()
    {
        Premium.Sample(impactBid: null, impactAsk: 98m, index: 100m).ShouldBe(-0.02m);
        Premium.Sample(impactBid: 101m, impactAsk: null, index: 100m).ShouldBe(0.01m);
        Premium.Sample(impactBid: null, impactAsk: null, index: 100m).ShouldBe(0m);
    }

    [Fact]
    public void premiums_are_rounded_half_even_at_twelve_decimals()
    {
        // 1/3 of a unit over an index of 3 → 0.111… → 0.111111111111.
        Premium.Sample(impactBid: 3m + (1m / 3m), impactAsk: 4m, index: 3m).ShouldBe(0.111111111111m);
        Premium.Round(0.0000000000005m).ShouldBe(0m);
        Premium.Round(0.0000000000015m).ShouldBe(0.000000000002m);
    }

    [Fact]
    public void a_non_positive_index_is_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Premium.Sample(1m, 2m, 0m)).Message.ShouldContain("index price");
    }
}
