using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Tests.Options;

/// <summary>Every analytic Greek against central differences of the price, in the library's units.</summary>
public class GreeksFiniteDifferenceTests
{
    public static TheoryData<PricingModel, OptionKind, double, double, double> Cases()
    {
        var data = new TheoryData<PricingModel, OptionKind, double, double, double>();
        foreach (var model in new[] { PricingModel.BlackScholesMerton, PricingModel.Black76 })
        {
            foreach (var kind in new[] { OptionKind.Call, OptionKind.Put })
            {
                foreach (var strike in new[] { 70.0, 100.0, 130.0 })
                {
                    foreach (var (volatility, years) in new[] { (0.15, 0.25), (0.8, 1.0), (2.0, 0.05) })
                    {
                        data.Add(model, kind, strike, volatility, years);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void analytic_greeks_match_central_differences_of_the_price(PricingModel model, OptionKind kind, double strike, double volatility, double years)
    {
        const double underlying = 100.0, rate = 0.04;
        var yield = model == PricingModel.BlackScholesMerton ? 0.015 : 0.0;
        double Price(double s = underlying, double v = double.NaN, double r = rate, double t = double.NaN) =>
            OptionPricer.Price(model, kind, s, strike, double.IsNaN(v) ? volatility : v, r, double.IsNaN(t) ? years : t, yield);

        var greeks = OptionPricer.Greeks(model, kind, underlying, strike, volatility, rate, years, yield);

        // Steps balance truncation (∝ h²) against rounding (∝ ε·price/h, or /h² for gamma).
        var ds = 1e-5 * underlying;
        var delta = (Price(s: underlying + ds) - Price(s: underlying - ds)) / (2 * ds);
        var dg = 1e-3 * underlying;
        var gamma = (Price(s: underlying + dg) - 2 * Price() + Price(s: underlying - dg)) / (dg * dg);
        var dv = 1e-5;
        var vegaPerPoint = (Price(v: volatility + dv) - Price(v: volatility - dv)) / (2 * dv) * 0.01;
        var dt = 1e-6;
        var thetaPerDay = -(Price(t: years + dt) - Price(t: years - dt)) / (2 * dt) / 365.0;
        var dr = 1e-6;
        var rhoPerPercent = (Price(r: rate + dr) - Price(r: rate - dr)) / (2 * dr) * 0.01;

        greeks.Delta.ShouldBe(delta, 1e-7);
        greeks.Gamma.ShouldBe(gamma, 1e-6);
        greeks.Vega.ShouldBe(vegaPerPoint, 1e-7);
        greeks.Theta.ShouldBe(thetaPerDay, 1e-7);
        greeks.Rho.ShouldBe(rhoPerPercent, 1e-7);
    }
}
