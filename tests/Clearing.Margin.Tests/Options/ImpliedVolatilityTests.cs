using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Tests.Options;

public class ImpliedVolatilityTests
{
    public static TheoryData<PricingModel, OptionKind> ModelsAndKinds() => new()
    {
        { PricingModel.BlackScholesMerton, OptionKind.Call },
        { PricingModel.BlackScholesMerton, OptionKind.Put },
        { PricingModel.Black76, OptionKind.Call },
        { PricingModel.Black76, OptionKind.Put },
    };

    [Theory]
    [MemberData(nameof(ModelsAndKinds))]
    public void price_to_iv_to_price_round_trips_across_strikes_half_to_double_and_vols_5_to_300_percent(PricingModel model, OptionKind kind)
    {
        const double underlying = 100.0, rate = 0.03;
        var yield = model == PricingModel.BlackScholesMerton ? 0.01 : 0.0;
        var solved = 0;
        var noTimeValue = 0;
        var worstIterations = 0;
        foreach (var moneyness in new[] { 0.5, 0.6, 0.75, 0.9, 0.97, 1.0, 1.03, 1.1, 1.3, 1.6, 2.0 })
        {
            foreach (var volatility in new[] { 0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 1.6, 2.0, 2.5, 3.0 })
            {
                foreach (var years in new[] { 7.0 / 365.0, 0.25, 1.0, 3.0 })
                {
                    var strike = underlying * moneyness;
                    var greeks = OptionPricer.Greeks(model, kind, underlying, strike, volatility, rate, years, yield);

                    var result = ImpliedVolatility.TrySolve(model, kind, underlying, strike, rate, years, greeks.Price, yield);

                    double.IsNaN(result.Volatility).ShouldBeFalse();
                    if (!result.Succeeded)
                    {
                        // Only possible when the price carries no representable time value at all.
                        result.Failure.ShouldBe(ImpliedVolatilityFailure.AtOrBelowIntrinsicValue, $"K={strike} σ={volatility} T={years}: {result.Describe()}");
                        greeks.Vega.ShouldBeLessThan(1e-12);
                        noTimeValue++;
                        continue;
                    }

                    solved++;
                    worstIterations = Math.Max(worstIterations, result.Iterations);
                    var repriced = OptionPricer.Price(model, kind, underlying, strike, result.Volatility, rate, years, yield);
                    Math.Abs(repriced - greeks.Price).ShouldBeLessThanOrEqualTo(1e-10 * Math.Max(1.0, greeks.Price), $"K={strike} σ={volatility} T={years}");
                    // Where vega is not tiny the volatility itself comes back: a price error of a few ulps
                    // moves σ by ulps/vega (vega here per unit of vol = 100 × per point).
                    if (greeks.Vega * 100.0 > 1e-4)
                    {
                        result.Volatility.ShouldBe(volatility, 1e-8, $"K={strike} T={years}");
                    }
                }
            }
        }

        solved.ShouldBeGreaterThan(400);
        noTimeValue.ShouldBeLessThan(80);
        worstIterations.ShouldBeLessThanOrEqualTo(30);
    }

    [Fact]
    public void hull_call_price_gives_back_twenty_percent_volatility()
    {
        var iv = ImpliedVolatility.Solve(PricingModel.BlackScholesMerton, OptionKind.Call, 42, 40, 0.1, 0.5, 4.7594223928715333);

        iv.ShouldBe(0.2, 1e-12);
    }

    [Fact]
    public void price_below_discounted_intrinsic_value_is_an_arbitrage_error_not_nan()
    {
        // Intrinsic lower bound for the call: 42 − 40·e^(−0.05) = 3.95.
        var result = ImpliedVolatility.TrySolve(PricingModel.BlackScholesMerton, OptionKind.Call, 42, 40, 0.1, 0.5, 3.0);

        result.Succeeded.ShouldBeFalse();
        result.Failure.ShouldBe(ImpliedVolatilityFailure.AtOrBelowIntrinsicValue);
        result.Volatility.ShouldBe(0.0);
        result.LowerBound.ShouldBe(42 - 40 * Math.Exp(-0.05), 1e-12);
        result.Describe().ShouldContain("below the no-arbitrage lower bound");
        Should.Throw<ImpliedVolatilityException>(() => ImpliedVolatility.Solve(PricingModel.BlackScholesMerton, OptionKind.Call, 42, 40, 0.1, 0.5, 3.0))
            .Failure.ShouldBe(ImpliedVolatilityFailure.AtOrBelowIntrinsicValue);
    }

    [Fact]
    public void price_exactly_at_intrinsic_value_has_no_positive_implied_volatility()
    {
        var intrinsic = 42 - 40 * Math.Exp(-0.05);

        var result = ImpliedVolatility.TrySolve(PricingModel.BlackScholesMerton, OptionKind.Call, 42, 40, 0.1, 0.5, intrinsic);

        result.Failure.ShouldBe(ImpliedVolatilityFailure.AtOrBelowIntrinsicValue);
        result.Describe().ShouldContain("no time value");
    }

    [Fact]
    public void negative_or_zero_out_of_the_money_price_is_an_arbitrage_error()
    {
        ImpliedVolatility.TrySolve(PricingModel.Black76, OptionKind.Put, 100, 80, 0.02, 1, 0.0).Failure.ShouldBe(ImpliedVolatilityFailure.AtOrBelowIntrinsicValue);
        ImpliedVolatility.TrySolve(PricingModel.Black76, OptionKind.Put, 100, 80, 0.02, 1, -0.5).Failure.ShouldBe(ImpliedVolatilityFailure.AtOrBelowIntrinsicValue);
    }

    [Theory]
    [InlineData(OptionKind.Call, 42.0)]   // a call is worth less than the spot (discounted forward)
    [InlineData(OptionKind.Call, 50.0)]
    [InlineData(OptionKind.Put, 38.05)]   // a put is worth less than the discounted strike 40·e^(−0.05) = 38.049
    public void price_at_or_above_the_upper_bound_is_an_arbitrage_error(OptionKind kind, double price)
    {
        var result = ImpliedVolatility.TrySolve(PricingModel.BlackScholesMerton, kind, 42, 40, 0.1, 0.5, price);

        result.Failure.ShouldBe(ImpliedVolatilityFailure.AtOrAboveUpperBound);
        result.Describe().ShouldContain("upper bound");
    }

    [Fact]
    public void a_price_a_hair_below_the_upper_bound_gives_a_finite_answer_or_the_reason()
    {
        // One ulp under the call's bound S·e^(−qT) = 42: any huge vol reproduces it, or it rounds onto the bound.
        var result = ImpliedVolatility.TrySolve(PricingModel.BlackScholesMerton, OptionKind.Call, 42, 40, 0.1, 0.5, Math.BitDecrement(42.0));

        if (result.Succeeded)
        {
            double.IsFinite(result.Volatility).ShouldBeTrue();
            result.Volatility.ShouldBeGreaterThan(1.0);
            result.PriceError.ShouldBeLessThanOrEqualTo(1e-10 * 42);
        }
        else
        {
            result.Failure.ShouldBe(ImpliedVolatilityFailure.AtOrAboveUpperBound);
        }
    }

    [Fact]
    public void non_finite_price_or_bad_contract_terms_are_input_errors_naming_the_field()
    {
        Should.Throw<OptionInputException>(() => ImpliedVolatility.TrySolve(PricingModel.BlackScholesMerton, OptionKind.Call, 42, 40, 0.1, 0.5, double.NaN)).ParamName.ShouldBe("price");
        Should.Throw<OptionInputException>(() => ImpliedVolatility.TrySolve(PricingModel.BlackScholesMerton, OptionKind.Call, 42, 40, 0.1, 0.0, 1.0)).ParamName.ShouldBe("years");
        Should.Throw<OptionInputException>(() => ImpliedVolatility.TrySolve(PricingModel.Black76, OptionKind.Call, -1, 40, 0.1, 0.5, 1.0)).ParamName.ShouldBe("forward");
        Should.Throw<OptionInputException>(() => ImpliedVolatility.TrySolve(PricingModel.BlackScholesMerton, OptionKind.Call, 42, 0, 0.1, 0.5, 1.0)).ParamName.ShouldBe("strike");
    }

    [Fact]
    public void large_underlying_prices_solve_to_the_precision_their_magnitude_allows()
    {
        // A BTC-sized contract: 1e-10 absolute is below one ulp of the forward, so the tolerance is the ulp scale.
        const double spot = 98_765.4321;
        foreach (var strike in new[] { 50_000.0, 95_000.0, 100_000.0, 180_000.0 })
        {
            var price = BlackScholesMerton.Price(OptionKind.Put, spot, strike, 0.65, 0.05, 30.0 / 365.0);

            var iv = ImpliedVolatility.Solve(PricingModel.BlackScholesMerton, OptionKind.Put, spot, strike, 0.05, 30.0 / 365.0, price);

            iv.ShouldBe(0.65, 1e-9);
        }
    }
}
