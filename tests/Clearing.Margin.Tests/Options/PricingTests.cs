using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Tests.Options;

public class PricingTests
{
    [Fact]
    public void hull_black_scholes_example_prices_call_at_4_76_and_put_at_0_81()
    {
        // Hull, Options, Futures and Other Derivatives: S=42, K=40, r=10%, σ=20%, T=0.5.
        var call = BlackScholesMerton.Price(OptionKind.Call, spot: 42, strike: 40, volatility: 0.2, rate: 0.1, years: 0.5);
        var put = BlackScholesMerton.Price(OptionKind.Put, spot: 42, strike: 40, volatility: 0.2, rate: 0.1, years: 0.5);

        Math.Round(call, 2).ShouldBe(4.76);
        Math.Round(put, 2).ShouldBe(0.81);
        // And to full precision against a 60-digit evaluation of the same formula.
        call.ShouldBe(4.7594223928715333, 1e-13);
        put.ShouldBe(0.80859937290009365, 1e-13);
    }

    [Fact]
    public void hull_index_option_with_dividend_yield_prices_at_51_83()
    {
        // Hull: two-month call on an index at 930, strike 900, r=8%, q=3%, σ=20%.
        var call = BlackScholesMerton.Price(OptionKind.Call, spot: 930, strike: 900, volatility: 0.2, rate: 0.08, years: 2.0 / 12.0, dividendYield: 0.03);

        Math.Round(call, 2).ShouldBe(51.83);
        call.ShouldBe(51.832956796490848, 1e-11);
    }

    [Fact]
    public void hull_greeks_example_gives_textbook_delta_gamma_vega_theta_rho_in_the_library_units()
    {
        // Hull's running Greeks example: S=49, K=50, r=5%, σ=20%, T=20 weeks (0.3846): price 2.40, Δ 0.522,
        // Γ 0.066, vega 12.1 per unit vol, Θ −4.31 per year, ρ 8.91 per unit rate.
        var greeks = BlackScholesMerton.Greeks(OptionKind.Call, spot: 49, strike: 50, volatility: 0.2, rate: 0.05, years: 0.3846);

        greeks.Price.ShouldBe(2.4004610869656617, 1e-13);
        Math.Round(greeks.Delta, 3).ShouldBe(0.522);
        Math.Round(greeks.Gamma, 3).ShouldBe(0.066);
        Math.Round(greeks.Vega, 3).ShouldBe(0.121);          // per vol point
        Math.Round(greeks.Theta * 365.0, 2).ShouldBe(-4.31);  // per calendar day × 365
        Math.Round(greeks.Rho, 4).ShouldBe(0.0891);          // per 1%
    }

    [Fact]
    public void hull_black_76_futures_put_prices_at_1_12()
    {
        // Hull: put on a futures price of 20, strike 20, r=9%, σ=25%, four months.
        var put = Black76.Price(OptionKind.Put, forward: 20, strike: 20, volatility: 0.25, rate: 0.09, years: 4.0 / 12.0);

        Math.Round(put, 2).ShouldBe(1.12);
        put.ShouldBe(1.1166414565589435, 1e-13);
    }

    [Fact]
    public void black_76_call_matches_a_high_precision_reference()
    {
        var call = Black76.Price(OptionKind.Call, forward: 620, strike: 600, volatility: 0.2, rate: 0.05, years: 0.5);

        call.ShouldBe(44.186853312106606, 1e-11);
    }

    [Fact]
    public void deep_out_of_the_money_put_keeps_its_relative_precision()
    {
        var put = BlackScholesMerton.Price(OptionKind.Put, spot: 100, strike: 60, volatility: 0.3, rate: 0.02, years: 0.25, dividendYield: 0.01);

        put.ShouldBe(0.00091778247848893642, 1e-14);
    }

    public static TheoryData<double, double, double, double, double> ParityGrid()
    {
        var data = new TheoryData<double, double, double, double, double>();
        foreach (var strike in new[] { 50.0, 80.0, 100.0, 125.0, 200.0 })
        {
            foreach (var volatility in new[] { 0.05, 0.3, 1.0, 3.0 })
            {
                foreach (var years in new[] { 1.0 / 365.0, 0.5, 5.0 })
                {
                    data.Add(strike, volatility, years, 0.05, 0.02);
                    data.Add(strike, volatility, years, -0.01, 0.0);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ParityGrid))]
    public void black_scholes_merton_call_minus_put_equals_discounted_forward_minus_strike(double strike, double volatility, double years, double rate, double yield)
    {
        const double spot = 100.0;
        var call = BlackScholesMerton.Price(OptionKind.Call, spot, strike, volatility, rate, years, yield);
        var put = BlackScholesMerton.Price(OptionKind.Put, spot, strike, volatility, rate, years, yield);

        (call - put).ShouldBe(spot * Math.Exp(-yield * years) - strike * Math.Exp(-rate * years), 1e-9);
    }

    [Theory]
    [MemberData(nameof(ParityGrid))]
    public void black_76_call_minus_put_equals_discounted_forward_minus_strike(double strike, double volatility, double years, double rate, double unused)
    {
        _ = unused;
        const double forward = 100.0;
        var call = Black76.Price(OptionKind.Call, forward, strike, volatility, rate, years);
        var put = Black76.Price(OptionKind.Put, forward, strike, volatility, rate, years);

        (call - put).ShouldBe(Math.Exp(-rate * years) * (forward - strike), 1e-9);
    }

    [Fact]
    public void black_76_on_the_forward_equals_black_scholes_merton_on_the_spot()
    {
        const double spot = 100.0, rate = 0.04, yield = 0.01, years = 0.75;
        var forward = spot * Math.Exp((rate - yield) * years);
        foreach (var kind in new[] { OptionKind.Call, OptionKind.Put })
        {
            var bsm = BlackScholesMerton.Greeks(kind, spot, 95, 0.45, rate, years, yield);
            var black = Black76.Greeks(kind, forward, 95, 0.45, rate, years);

            black.Price.ShouldBe(bsm.Price, 1e-12);
            black.Vega.ShouldBe(bsm.Vega, 1e-12);
            // Spot delta = forward delta × dF/dS.
            (black.Delta * forward / spot).ShouldBe(bsm.Delta, 1e-12);
        }
    }

    [Fact]
    public void greeks_pass_returns_the_same_price_as_the_price_only_path()
    {
        foreach (var kind in new[] { OptionKind.Call, OptionKind.Put })
        {
            foreach (var strike in new[] { 60.0, 100.0, 150.0 })
            {
                BlackScholesMerton.Greeks(kind, 100, strike, 0.7, 0.03, 0.2, 0.01).Price
                    .ShouldBe(BlackScholesMerton.Price(kind, 100, strike, 0.7, 0.03, 0.2, 0.01));
                Black76.Greeks(kind, 100, strike, 0.7, 0.03, 0.2).Price
                    .ShouldBe(Black76.Price(kind, 100, strike, 0.7, 0.03, 0.2));
            }
        }
    }

    [Theory]
    [InlineData(0.0, 40.0, 0.2, 0.5, "spot")]
    [InlineData(-42.0, 40.0, 0.2, 0.5, "spot")]
    [InlineData(42.0, 0.0, 0.2, 0.5, "strike")]
    [InlineData(42.0, 40.0, 0.0, 0.5, "volatility")]
    [InlineData(42.0, 40.0, -0.2, 0.5, "volatility")]
    [InlineData(42.0, 40.0, 0.2, 0.0, "years")]
    [InlineData(42.0, 40.0, 0.2, -1.0, "years")]
    [InlineData(double.NaN, 40.0, 0.2, 0.5, "spot")]
    [InlineData(42.0, double.PositiveInfinity, 0.2, 0.5, "strike")]
    [InlineData(42.0, 40.0, double.NaN, 0.5, "volatility")]
    public void non_positive_or_non_finite_input_is_rejected_naming_the_field(double spot, double strike, double volatility, double years, string field)
    {
        var priced = Should.Throw<OptionInputException>(() => BlackScholesMerton.Price(OptionKind.Call, spot, strike, volatility, 0.1, years));
        var greeks = Should.Throw<OptionInputException>(() => BlackScholesMerton.Greeks(OptionKind.Put, spot, strike, volatility, 0.1, years));

        priced.ParamName.ShouldBe(field);
        greeks.ParamName.ShouldBe(field);
        priced.Message.ShouldContain(field);
    }

    [Fact]
    public void black_76_names_the_forward_and_rejects_non_finite_rates_and_unknown_kinds()
    {
        Should.Throw<OptionInputException>(() => Black76.Price(OptionKind.Call, 0, 40, 0.2, 0.1, 0.5)).ParamName.ShouldBe("forward");
        Should.Throw<OptionInputException>(() => Black76.Greeks(OptionKind.Call, 42, 40, 0.2, double.NaN, 0.5)).ParamName.ShouldBe("rate");
        Should.Throw<OptionInputException>(() => BlackScholesMerton.Price(OptionKind.Call, 42, 40, 0.2, 0.1, 0.5, double.PositiveInfinity)).ParamName.ShouldBe("dividendYield");
        Should.Throw<OptionInputException>(() => BlackScholesMerton.Price((OptionKind)7, 42, 40, 0.2, 0.1, 0.5)).ParamName.ShouldBe("kind");
    }

    [Fact]
    public void a_yield_given_to_black_76_is_an_error_not_silently_ignored()
    {
        var problem = Should.Throw<OptionInputException>(() => OptionPricer.Greeks(PricingModel.Black76, OptionKind.Call, 42, 40, 0.2, 0.1, 0.5, dividendYield: 0.02));

        problem.ParamName.ShouldBe("dividendYield");
    }

    [Fact]
    public void option_prices_stay_within_their_no_arbitrage_bounds_even_at_extreme_inputs()
    {
        foreach (var volatility in new[] { 1e-6, 0.01, 1.0, 10.0, 50.0 })
        {
            foreach (var years in new[] { 1e-6, 0.01, 1.0, 30.0 })
            {
                foreach (var strike in new[] { 1e-3, 50.0, 100.0, 200.0, 1e5 })
                {
                    var call = BlackScholesMerton.Greeks(OptionKind.Call, 100, strike, volatility, 0.05, years, 0.01);
                    var put = BlackScholesMerton.Greeks(OptionKind.Put, 100, strike, volatility, 0.05, years, 0.01);

                    foreach (var value in new[] { call.Price, call.Delta, call.Gamma, call.Vega, call.Theta, call.Rho, put.Price, put.Delta, put.Gamma, put.Vega, put.Theta, put.Rho })
                    {
                        double.IsFinite(value).ShouldBeTrue();
                    }

                    call.Price.ShouldBeInRange(0.0, 100.0 * Math.Exp(-0.01 * years) * (1 + 1e-12));
                    put.Price.ShouldBeInRange(0.0, strike * Math.Exp(-0.05 * years) * (1 + 1e-12));
                }
            }
        }
    }
}
