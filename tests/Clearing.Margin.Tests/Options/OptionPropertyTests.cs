using Clearing.Margin.Domain.Options;
using CsCheck;

namespace Clearing.Margin.Tests.Options;

/// <summary>Invariants over random contracts and portfolios (CsCheck shrinks any counterexample).</summary>
public class OptionPropertyTests
{
    private static readonly Gen<(OptionKind Kind, double Strike, double Volatility, double Rate, double Years, double Yield)> Contracts =
        Gen.Select(
            Gen.Bool.Select(call => call ? OptionKind.Call : OptionKind.Put),
            Gen.Double[0.5, 2.0].Select(moneyness => 100.0 * moneyness),
            Gen.Double[0.05, 3.0],
            Gen.Double[-0.02, 0.15],
            Gen.Double[1.0 / 365.0, 5.0],
            Gen.Double[0.0, 0.08]);

    [Fact]
    public void put_call_parity_holds_for_random_contracts_in_both_models()
    {
        Contracts.Sample(c =>
        {
            var call = BlackScholesMerton.Price(OptionKind.Call, 100, c.Strike, c.Volatility, c.Rate, c.Years, c.Yield);
            var put = BlackScholesMerton.Price(OptionKind.Put, 100, c.Strike, c.Volatility, c.Rate, c.Years, c.Yield);
            var forwardCall = Black76.Price(OptionKind.Call, 100, c.Strike, c.Volatility, c.Rate, c.Years);
            var forwardPut = Black76.Price(OptionKind.Put, 100, c.Strike, c.Volatility, c.Rate, c.Years);

            return Math.Abs(call - put - (100 * Math.Exp(-c.Yield * c.Years) - c.Strike * Math.Exp(-c.Rate * c.Years))) <= 1e-9
                && Math.Abs(forwardCall - forwardPut - Math.Exp(-c.Rate * c.Years) * (100 - c.Strike)) <= 1e-9;
        });
    }

    [Fact]
    public void implied_volatility_reproduces_every_random_price_or_names_a_bound()
    {
        Contracts.Sample(c =>
        {
            var price = BlackScholesMerton.Price(c.Kind, 100, c.Strike, c.Volatility, c.Rate, c.Years, c.Yield);
            var result = ImpliedVolatility.TrySolve(PricingModel.BlackScholesMerton, c.Kind, 100, c.Strike, c.Rate, c.Years, price, c.Yield);
            if (!result.Succeeded)
            {
                return result.Failure == ImpliedVolatilityFailure.AtOrBelowIntrinsicValue && result.Volatility == 0.0;
            }

            var repriced = BlackScholesMerton.Price(c.Kind, 100, c.Strike, result.Volatility, c.Rate, c.Years, c.Yield);
            return Math.Abs(repriced - price) <= 1e-10 * Math.Max(1.0, price);
        });
    }

    private static readonly DateTimeOffset AsOf = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly UnderlyingMarket Market = new(100m, 0.03, 0.0, AsOf);
    private static readonly VolatilitySurface Surface = new([
        SviSlice.FromAtmVolatility(7 / 365.0, 0.8, 0.1, -0.4, 0.1),
        SviSlice.FromAtmVolatility(90 / 365.0, 0.6, 0.1, -0.3, 0.1)]);

    private static readonly Gen<OptionPosition[]> Books =
        Gen.Select(
            Gen.Bool.Select(call => call ? OptionKind.Call : OptionKind.Put),
            Gen.Int[10, 40].Select(step => 5m * step),
            Gen.Int[1, 120].Select(days => AsOf.AddDays(days)),
            Gen.Int[-10, 10].Select(units => units / 2m),
            (kind, strike, expiry, quantity) => new OptionPosition(kind, strike, expiry, quantity))
        .Array[0, 8];

    [Fact]
    public void two_accounts_merged_never_need_more_margin_than_apart()
    {
        Gen.Select(Books, Books).Sample((first, second) =>
        {
            var apart = PortfolioMargin.Default.Compute(new OptionPortfolio("BTC", first), Market, Surface).Margin
                + PortfolioMargin.Default.Compute(new OptionPortfolio("BTC", second), Market, Surface).Margin;
            var merged = PortfolioMargin.Default.Compute(new OptionPortfolio("BTC", [.. first, .. second]), Market, Surface).Margin;

            return merged <= apart + 0.000001m; // each side rounds up by under one unit of the last decimal
        });
    }

    [Fact]
    public void margin_is_never_negative_and_never_below_the_short_option_minimum()
    {
        Books.Sample(book =>
        {
            var result = PortfolioMargin.Default.Compute(new OptionPortfolio("BTC", book), Market, Surface);

            return result.Margin >= 0m && result.Margin >= result.ShortOptionMinimum && result.Margin >= result.WorstScenarioLoss;
        });
    }

    [Fact]
    public void doubling_every_position_doubles_the_margin()
    {
        Books.Sample(book =>
        {
            var single = PortfolioMargin.Default.Compute(new OptionPortfolio("BTC", book), Market, Surface).Margin;
            var doubled = PortfolioMargin.Default.Compute(new OptionPortfolio("BTC", book.Select(p => p with { Quantity = 2 * p.Quantity })), Market, Surface).Margin;

            return Math.Abs(doubled - 2 * single) <= 0.000002m;
        });
    }
}
