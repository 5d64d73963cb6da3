using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Tests.Options;

public class VolatilitySurfaceTests
{
    [Fact]
    public void flat_surface_gives_the_same_volatility_at_every_strike_and_expiry()
    {
        var surface = VolatilitySurface.Flat(0.55);

        foreach (var k in new[] { -2.0, -0.3, 0.0, 0.4, 1.5 })
        {
            foreach (var years in new[] { 1.0 / 365.0, 0.3, 1.0, 4.0 })
            {
                surface.Volatility(k, years).ShouldBe(0.55, 1e-14);
            }
        }
    }

    [Fact]
    public void slice_built_from_an_atm_volatility_returns_it_at_the_money()
    {
        var slice = SviSlice.FromAtmVolatility(years: 0.25, atmVolatility: 0.7, b: 0.2, rho: -0.4, sigma: 0.15);

        slice.Volatility(0.0).ShouldBe(0.7, 1e-14);
    }

    [Fact]
    public void negative_rho_puts_more_volatility_on_low_strikes_than_on_high_strikes()
    {
        var slice = SviSlice.FromAtmVolatility(0.25, 0.6, b: 0.2, rho: -0.5, sigma: 0.1);

        slice.Volatility(-0.3).ShouldBeGreaterThan(slice.Volatility(0.3));
        slice.Volatility(-0.3).ShouldBeGreaterThan(slice.Volatility(0.0));
    }

    [Fact]
    public void between_expiries_total_variance_is_interpolated_linearly_in_time()
    {
        var near = SviSlice.FromAtmVolatility(0.1, 0.8, 0.1, -0.3, 0.1);
        var far = SviSlice.FromAtmVolatility(0.5, 0.6, 0.1, -0.3, 0.1);
        var surface = new VolatilitySurface([far, near]);

        foreach (var k in new[] { -0.5, 0.0, 0.25 })
        {
            var expected = 0.75 * near.TotalVariance(k) + 0.25 * far.TotalVariance(k);
            surface.TotalVariance(k, 0.2).ShouldBe(expected, 1e-15);
        }

        surface.Slices[0].ShouldBe(near);
    }

    [Fact]
    public void outside_the_published_expiries_implied_volatility_is_held_constant()
    {
        var near = SviSlice.FromAtmVolatility(0.1, 0.8, 0.1, -0.3, 0.1);
        var far = SviSlice.FromAtmVolatility(0.5, 0.6, 0.1, -0.3, 0.1);
        var surface = new VolatilitySurface([near, far]);

        surface.Volatility(-0.2, 0.01).ShouldBe(near.Volatility(-0.2), 1e-14);
        surface.Volatility(-0.2, 3.0).ShouldBe(far.Volatility(-0.2), 1e-14);
    }

    [Fact]
    public void strike_lookup_uses_log_moneyness_against_the_forward()
    {
        var surface = new VolatilitySurface([SviSlice.FromAtmVolatility(0.25, 0.5, 0.2, -0.5, 0.1)]);

        surface.Volatility(strike: 90, forward: 100, years: 0.25).ShouldBe(surface.Volatility(Math.Log(0.9), 0.25), 1e-15);
    }

    [Theory]
    [InlineData(0.0, 0.04, 0.1, -0.3, 0.0, 0.1, "years")]
    [InlineData(0.25, 0.04, -0.1, -0.3, 0.0, 0.1, "b")]
    [InlineData(0.25, 0.04, 0.1, -1.0, 0.0, 0.1, "rho")]
    [InlineData(0.25, 0.04, 0.1, 1.2, 0.0, 0.1, "rho")]
    [InlineData(0.25, 0.04, 0.1, -0.3, 0.0, 0.0, "sigma")]
    [InlineData(0.25, -0.5, 0.1, -0.3, 0.0, 0.1, "a")]
    [InlineData(0.25, 0.04, 1.5, -0.5, 0.0, 0.1, "b")]
    public void impossible_smile_parameters_are_rejected_naming_the_parameter(double years, double a, double b, double rho, double m, double sigma, string field)
    {
        Should.Throw<ArgumentException>(() => new SviSlice(years, a, b, rho, m, sigma)).ParamName.ShouldBe(field);
    }

    [Fact]
    public void a_surface_whose_variance_falls_with_time_is_rejected_as_calendar_arbitrage()
    {
        var near = SviSlice.FromAtmVolatility(0.1, 1.0, 0.1, -0.3, 0.1);  // w(0) = 0.1
        var far = SviSlice.FromAtmVolatility(0.5, 0.3, 0.1, -0.3, 0.1);   // w(0) = 0.045

        Should.Throw<ArgumentException>(() => new VolatilitySurface([near, far])).Message.ShouldContain("calendar arbitrage");
    }

    [Fact]
    public void two_slices_for_one_expiry_or_none_at_all_are_rejected()
    {
        Should.Throw<ArgumentException>(() => new VolatilitySurface([SviSlice.Flat(0.5, 0.5), SviSlice.Flat(0.5, 0.6)]));
        Should.Throw<ArgumentException>(() => new VolatilitySurface([]));
        Should.Throw<ArgumentOutOfRangeException>(() => VolatilitySurface.Flat(0.5).Volatility(0.0, 0.0));
    }
}
