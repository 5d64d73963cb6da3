using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Tests.Options;

public class PortfolioGreeksTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly UnderlyingMarket Market = new(spot: 100m, rate: 0.03, dividendYield: 0.01, AsOf);

    [Fact]
    public void greeks_are_summed_per_expiry_and_in_total_with_perpetuals_first()
    {
        var near = AsOf.AddDays(7);
        var far = AsOf.AddDays(90);
        var surface = VolatilitySurface.Flat(0.5);
        var portfolio = new OptionPortfolio(
            "ETH",
            [
                new OptionPosition(OptionKind.Call, 105m, far, 2m),
                new OptionPosition(OptionKind.Put, 95m, near, -3m),
                new OptionPosition(OptionKind.Call, 100m, near, 1m),
            ],
            [new FuturePosition(null, -1m), new FuturePosition(far, 0.5m)]);

        var greeks = PortfolioGreeks.Aggregate(portfolio, Market, surface);

        greeks.Underlying.ShouldBe("ETH");
        greeks.ByExpiry.Select(bucket => bucket.Expiry).ShouldBe([null, near, far]);
        greeks.ByExpiry[0].Greeks.Delta.ShouldBe(-1m);

        var nearYears = Market.YearsTo(near);
        var put = BlackScholesMerton.Greeks(OptionKind.Put, 100, 95, 0.5, 0.03, nearYears, 0.01);
        var call = BlackScholesMerton.Greeks(OptionKind.Call, 100, 100, 0.5, 0.03, nearYears, 0.01);
        greeks.ByExpiry[1].Greeks.Vega.ShouldBe(Round(-3 * put.Vega + call.Vega));
        greeks.ByExpiry[1].Greeks.Theta.ShouldBe(Round(-3 * put.Theta + call.Theta));
        greeks.ByExpiry[1].Greeks.Gamma.ShouldBe(Round(-3 * put.Gamma + call.Gamma));

        var farYears = Market.YearsTo(far);
        var farCall = BlackScholesMerton.Greeks(OptionKind.Call, 100, 105, 0.5, 0.03, farYears, 0.01);
        var futureDelta = 0.5 * Math.Exp(0.02 * farYears);
        greeks.ByExpiry[2].Greeks.Delta.ShouldBe(Round(2 * farCall.Delta + futureDelta));
        greeks.ByExpiry[2].Greeks.Rho.ShouldBe(Round(2 * farCall.Rho + 0.5 * farYears * 100 * Math.Exp(0.02 * farYears) * 0.01));

        greeks.Total.Delta.ShouldBe(greeks.ByExpiry.Sum(bucket => bucket.Greeks.Delta), 0.00000003m);
        greeks.Total.Vega.ShouldBe(greeks.ByExpiry.Sum(bucket => bucket.Greeks.Vega), 0.00000003m);
    }

    [Fact]
    public void a_delta_hedged_book_shows_near_zero_total_delta_but_keeps_its_gamma_and_vega()
    {
        var expiry = AsOf.AddDays(30);
        var years = Market.YearsTo(expiry);
        var callDelta = BlackScholesMerton.Greeks(OptionKind.Call, 100, 100, 0.6, 0.03, years, 0.01).Delta;
        var portfolio = new OptionPortfolio("BTC", [new OptionPosition(OptionKind.Call, 100m, expiry, 10m)], [new FuturePosition(null, -(decimal)(10 * callDelta))]);

        var greeks = PortfolioGreeks.Aggregate(portfolio, Market, VolatilitySurface.Flat(0.6));

        Math.Abs(greeks.Total.Delta).ShouldBeLessThan(0.000001m);
        greeks.Total.Gamma.ShouldBeGreaterThan(0m);
        greeks.Total.Vega.ShouldBeGreaterThan(0m);
    }

    [Fact]
    public void greeks_are_rounded_half_to_even_to_eight_decimals()
    {
        var portfolio = new OptionPortfolio("BTC", [new OptionPosition(OptionKind.Put, 93.5m, AsOf.AddDays(45), -7m)]);

        var greeks = PortfolioGreeks.Aggregate(portfolio, Market, VolatilitySurface.Flat(0.7)).Total;

        foreach (var value in new[] { greeks.Delta, greeks.Gamma, greeks.Vega, greeks.Theta, greeks.Rho })
        {
            value.Scale.ShouldBeLessThanOrEqualTo((byte)8);
        }
    }

    [Fact]
    public void an_expired_in_the_money_option_counts_its_intrinsic_delta()
    {
        var portfolio = new OptionPortfolio("BTC", [new OptionPosition(OptionKind.Put, 110m, AsOf.AddMinutes(-5), 2m)]);

        PortfolioGreeks.Aggregate(portfolio, Market, VolatilitySurface.Flat(0.7)).Total.Delta.ShouldBe(-2m);
    }

    private static decimal Round(double value) => decimal.Round((decimal)value, 8, MidpointRounding.ToEven);
}
