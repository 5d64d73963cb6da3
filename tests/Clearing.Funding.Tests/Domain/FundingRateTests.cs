using Clearing.Funding.Domain;

namespace Clearing.Funding.Tests.Domain;

public sealed class FundingRateTests
{
    private static readonly FundingParameters Defaults = FundingParameters.Default;

    [Fact]
    public void the_premium_average_is_the_mean_of_the_samples_rounded_at_twelve_decimals()
    {
        FundingRate.Average(0.0003m, 3).ShouldBe(0.0001m);
        FundingRate.Average(0.000000000001m, 3).ShouldBe(0m);
        Should.Throw<ArgumentOutOfRangeException>(() => FundingRate.Average(0m, 0));
    }

    [Fact]
    public void in_a_quiet_market_the_rate_is_exactly_the_interest_rate()
    {
        // P̄ within ±band of I: the interest component makes up the difference.
        var fix = FundingRate.Fix(0.00003m, Defaults);
        fix.InterestComponent.ShouldBe(Defaults.InterestRate - 0.00003m);
        fix.Rate.ShouldBe(Defaults.InterestRate);
        fix.Capped.ShouldBeFalse();
    }

    [Fact]
    public void a_large_premium_passes_through_less_the_interest_band()
    {
        var fix = FundingRate.Fix(0.001m, Defaults);
        fix.InterestComponent.ShouldBe(-Defaults.InterestBand);
        fix.Rate.ShouldBe(0.001m - 0.0000625m);
    }

    [Fact]
    public void a_large_negative_premium_makes_shorts_pay()
    {
        var fix = FundingRate.Fix(-0.002m, Defaults);
        fix.InterestComponent.ShouldBe(Defaults.InterestBand);
        fix.Rate.ShouldBe(-0.002m + 0.0000625m);
    }

    [Fact]
    public void the_rate_is_clamped_to_the_cap_both_ways()
    {
        var up = FundingRate.Fix(0.05m, Defaults);
        up.Rate.ShouldBe(Defaults.Cap);
        up.UncappedRate.ShouldBe(0.05m - Defaults.InterestBand);
        up.Capped.ShouldBeTrue();

        var down = FundingRate.Fix(-0.05m, Defaults);
        down.Rate.ShouldBe(-Defaults.Cap);
        down.Capped.ShouldBeTrue();
    }

    [Fact]
    public void defaults_are_hourly_five_second_samples_with_the_dydx_cap_and_impact_notional()
    {
        Defaults.Validate().ShouldBeEmpty();
        Defaults.Interval.ShouldBe(TimeSpan.FromHours(1));
        Defaults.SamplePeriod.ShouldBe(TimeSpan.FromSeconds(5));
        Defaults.Cap.ShouldBe(0.006m);
        Defaults.ImpactNotional.ShouldBe(25_000m);
        (Defaults.InterestRate * 8).ShouldBe(0.0001m);
        (Defaults.InterestBand * 8).ShouldBe(0.0005m);
    }

    [Fact]
    public void invalid_parameters_are_refused_naming_each_field()
    {
        var bad = new FundingParameters { Interval = TimeSpan.FromSeconds(7), SamplePeriod = TimeSpan.FromSeconds(5), Cap = 0m, ImpactNotional = -1m, InterestBand = -0.1m };
        var problems = bad.Validate();
        problems.ShouldContain(p => p.StartsWith("Interval (", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("Cap", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("ImpactNotional", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("InterestBand", StringComparison.Ordinal));
        Should.Throw<ArgumentException>(() => bad.EnsureValid("BTC-PERP")).Message.ShouldStartWith("funding parameters of BTC-PERP");
    }
}
