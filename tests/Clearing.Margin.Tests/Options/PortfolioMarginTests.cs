using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Tests.Options;

public class PortfolioMarginTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expiry30 = AsOf.AddDays(30);
    private static readonly UnderlyingMarket Market = new(spot: 100m, rate: 0.0, dividendYield: 0.0, AsOf);
    private static readonly VolatilitySurface FlatSixty = VolatilitySurface.Flat(0.6);
    private static readonly PortfolioMargin Engine = PortfolioMargin.Default;

    private static OptionPortfolio Options(params OptionPosition[] positions) => new("BTC", positions);

    [Fact]
    public void default_grid_is_nine_moves_within_sixteen_percent_times_three_vol_states_plus_eight_extended_moves()
    {
        var grid = Engine.Scenarios;

        grid.Count.ShouldBe(9 * 3 + 8);
        grid.Where(s => !s.Extended).Select(s => s.UnderlyingMove).Distinct().ShouldBe([-0.16, -0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12, 0.16], tolerance: 1e-15);
        grid.Where(s => !s.Extended).ShouldAllBe(s => s.Weight == 1.0);
        grid.Where(s => s.Extended).ShouldAllBe(s => s.Volatility == VolatilityScenario.Up);
        grid.Where(s => s.Extended).Select(s => s.UnderlyingMove).ShouldBe([-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]);
        // Weight min(1, 0.5 · 0.16 / |m|): a −66% move counts at 12.1%, +500% at 1.6%.
        grid.Single(s => s.UnderlyingMove == -0.66).Weight.ShouldBe(0.08 / 0.66, 1e-15);
        grid.Single(s => s.UnderlyingMove == 5.0).Weight.ShouldBe(0.016, 1e-15);
    }

    [Fact]
    public void hedged_long_call_with_short_delta_in_perpetuals_needs_less_margin_than_the_naked_call()
    {
        var years = Market.YearsTo(Expiry30);
        var delta = BlackScholesMerton.Greeks(OptionKind.Call, 100, 100, 0.6, 0.0, years).Delta;
        var call = new OptionPosition(OptionKind.Call, 100m, Expiry30, 10m);
        var naked = Options(call);
        var hedged = new OptionPortfolio("BTC", [call], [new FuturePosition(null, -decimal.Round((decimal)(10 * delta), 4))]);

        var nakedMargin = Engine.Compute(naked, Market, FlatSixty);
        var hedgedMargin = Engine.Compute(hedged, Market, FlatSixty);

        hedgedMargin.Margin.ShouldBeLessThan(nakedMargin.Margin);
        hedgedMargin.Margin.ShouldBeGreaterThan(0m); // still exposed to a vol crush
        hedgedMargin.WorstScenario.Volatility.ShouldBe(VolatilityScenario.Down);
    }

    [Theory]
    [InlineData(OptionKind.Put, 20.0, 7)]
    [InlineData(OptionKind.Put, 5.0, 1)]
    [InlineData(OptionKind.Call, 1000.0, 7)]
    [InlineData(OptionKind.Call, 600.0, 1)]
    public void a_short_deep_out_of_the_money_option_never_gets_zero_margin(OptionKind kind, double strike, int days)
    {
        var portfolio = Options(new OptionPosition(kind, (decimal)strike, AsOf.AddDays(days), -3m));

        var result = Engine.Compute(portfolio, Market, VolatilitySurface.Flat(0.3));

        result.ShortOptionMinimum.ShouldBe(3m * 0.01m * 100m);
        result.Margin.ShouldBeGreaterThanOrEqualTo(result.ShortOptionMinimum);
        result.Margin.ShouldBeGreaterThan(0m);
    }

    [Fact]
    public void extended_moves_charge_a_short_far_out_of_the_money_option_beyond_its_grid_loss()
    {
        // A call at twice the spot loses next to nothing within ±16%; the +500% extended move is what margins it.
        var portfolio = Options(new OptionPosition(OptionKind.Call, 200m, Expiry30, -1m));

        var result = Engine.Compute(portfolio, Market, FlatSixty);

        result.WorstScenario.Extended.ShouldBeTrue();
        result.Margin.ShouldBeGreaterThan(result.ShortOptionMinimum);
    }

    [Fact]
    public void a_steeper_skew_with_the_same_atm_vol_increases_margin_for_a_short_out_of_the_money_put()
    {
        var years = Market.YearsTo(Expiry30);
        var mild = new VolatilitySurface([SviSlice.FromAtmVolatility(years, 0.6, b: 0.1, rho: -0.1, sigma: 0.1)]);
        var steep = new VolatilitySurface([SviSlice.FromAtmVolatility(years, 0.6, b: 0.1, rho: -0.7, sigma: 0.1)]);
        mild.Volatility(100, 100, years).ShouldBe(steep.Volatility(100, 100, years), 1e-12);
        steep.Volatility(85, 100, years).ShouldBeGreaterThan(mild.Volatility(85, 100, years));

        foreach (var strike in new[] { 60m, 75m, 85m, 90m })
        {
            var shortPut = Options(new OptionPosition(OptionKind.Put, strike, Expiry30, -1m));

            var mildMargin = Engine.Compute(shortPut, Market, mild).Margin;
            var steepMargin = Engine.Compute(shortPut, Market, steep).Margin;

            steepMargin.ShouldBeGreaterThan(mildMargin, $"strike {strike}");
        }
    }

    [Fact]
    public void vol_shocks_read_each_strikes_own_surface_vol_so_the_put_wing_is_shocked_by_more_vol_points()
    {
        var years = Market.YearsTo(Expiry30);
        var steep = new VolatilitySurface([SviSlice.FromAtmVolatility(years, 0.6, b: 0.1, rho: -0.7, sigma: 0.1)]);
        var wing = steep.Volatility(80, 100, years);
        var money = steep.Volatility(100, 100, years);

        var wingShock = Engine.ShockedVolatility(wing, 30, VolatilityScenario.Up) - wing;
        var moneyShock = Engine.ShockedVolatility(money, 30, VolatilityScenario.Up) - money;

        wingShock.ShouldBeGreaterThan(moneyShock);
        wingShock.ShouldBe(0.5 * wing, 1e-14); // at the 30-day reference tenor the up shock is +50% of the vol
    }

    [Theory]
    [InlineData(30.0, 1.5, 0.75)]
    [InlineData(7.5, 1.757858283, 0.621070858)]   // (30/7.5)^0.3 = 1.5157
    [InlineData(365.0, 1.236275408, 0.881862296)]   // (30/365)^0.3 = 0.4726
    [InlineData(0.1, 2.387095557, 0.306452221)]     // floored at one day: 30^0.3 = 2.7742
    public void vol_shocks_scale_with_thirty_over_days_to_expiry_to_the_power_0_3(double days, double upMultiplier, double downMultiplier)
    {
        Engine.ShockedVolatility(1.0, days, VolatilityScenario.Up).ShouldBe(upMultiplier, 1e-6);
        Engine.ShockedVolatility(1.0, days, VolatilityScenario.Down).ShouldBe(downMultiplier, 1e-6);
        Engine.ShockedVolatility(1.0, days, VolatilityScenario.Unchanged).ShouldBe(1.0);
    }

    [Fact]
    public void a_short_perpetual_is_margined_at_the_sixteen_percent_edge_not_by_the_extended_table()
    {
        var portfolio = new OptionPortfolio("BTC", [], [new FuturePosition(null, -2m)]);

        var result = Engine.Compute(portfolio, Market, FlatSixty);

        result.Margin.ShouldBe(32m); // 2 × 100 × 16%
        result.WorstScenario.Extended.ShouldBeFalse();
        result.ShortOptionMinimum.ShouldBe(0m);
    }

    [Fact]
    public void a_long_option_never_needs_more_margin_than_it_is_worth()
    {
        foreach (var strike in new[] { 70m, 100m, 140m })
        {
            var portfolio = Options(new OptionPosition(OptionKind.Put, strike, Expiry30, 4m));

            var result = Engine.Compute(portfolio, Market, FlatSixty);

            result.Margin.ShouldBeLessThanOrEqualTo(result.MarkValue + 0.000001m);
            result.ShortOptionMinimum.ShouldBe(0m);
        }
    }

    [Fact]
    public void a_call_spread_never_needs_more_than_its_strike_width()
    {
        var portfolio = Options(
            new OptionPosition(OptionKind.Call, 110m, Expiry30, -5m),
            new OptionPosition(OptionKind.Call, 120m, Expiry30, 5m));

        var result = Engine.Compute(portfolio, Market, FlatSixty);

        result.Margin.ShouldBeLessThanOrEqualTo(5m * 10m);
        result.Margin.ShouldBeGreaterThan(0m);
    }

    [Fact]
    public void offsetting_positions_in_one_series_net_to_nothing()
    {
        var portfolio = Options(
            new OptionPosition(OptionKind.Put, 90m, Expiry30, -2m),
            new OptionPosition(OptionKind.Put, 90m, Expiry30, 2m));

        portfolio.Options.Single().Quantity.ShouldBe(0m);
        Engine.Compute(portfolio, Market, FlatSixty).Margin.ShouldBe(0m);
    }

    [Fact]
    public void an_empty_portfolio_needs_no_margin()
    {
        var result = Engine.Compute(Options(), Market, FlatSixty);

        result.Margin.ShouldBe(0m);
        result.MarkValue.ShouldBe(0m);
    }

    [Fact]
    public void margin_is_the_worst_weighted_scenario_loss_rounded_up_to_six_decimals()
    {
        var portfolio = new OptionPortfolio(
            "BTC",
            [new OptionPosition(OptionKind.Put, 90m, Expiry30, -3m), new OptionPosition(OptionKind.Call, 115m, AsOf.AddDays(60), -2m)],
            [new FuturePosition(AsOf.AddDays(90), 0.5m)]);
        var surface = new VolatilitySurface([
            SviSlice.FromAtmVolatility(30 / 365.0, 0.65, 0.1, -0.4, 0.1),
            SviSlice.FromAtmVolatility(90 / 365.0, 0.6, 0.1, -0.3, 0.1)]);
        var pnl = new double[Engine.Scenarios.Count];

        Engine.ScenarioProfitAndLoss(portfolio, Market, surface, pnl);
        var result = Engine.Compute(portfolio, Market, surface);

        var worst = Enumerable.Range(0, pnl.Length).Max(i => -pnl[i] * Engine.Scenarios[i].Weight);
        result.WorstScenarioLoss.ShouldBeGreaterThanOrEqualTo((decimal)worst);
        result.WorstScenarioLoss.ShouldBeLessThan((decimal)worst + 0.000001m);
        result.Margin.Scale.ShouldBeLessThanOrEqualTo((byte)6);
        result.Margin.ShouldBe(Math.Max(result.WorstScenarioLoss, result.ShortOptionMinimum));
    }

    [Fact]
    public void the_zero_move_unchanged_vol_scenario_has_no_profit_or_loss()
    {
        var portfolio = new OptionPortfolio("BTC", [new OptionPosition(OptionKind.Put, 90m, Expiry30, -3m)], [new FuturePosition(null, 1m)]);
        var pnl = new double[Engine.Scenarios.Count];

        Engine.ScenarioProfitAndLoss(portfolio, Market, FlatSixty, pnl);

        var index = Engine.Scenarios.ToList().FindIndex(s => s.UnderlyingMove == 0.0 && s.Volatility == VolatilityScenario.Unchanged);
        pnl[index].ShouldBe(0.0, 1e-12);
    }

    [Fact]
    public void an_option_past_expiry_awaiting_settlement_is_revalued_at_intrinsic_value()
    {
        var portfolio = Options(new OptionPosition(OptionKind.Call, 95m, AsOf.AddHours(-1), -1m));

        var result = Engine.Compute(portfolio, Market, FlatSixty);

        result.MarkValue.ShouldBe(-5m);
        result.Margin.ShouldBe(16m, 0.000001m); // +16%: intrinsic 21 vs 5 today
    }

    [Fact]
    public void the_static_entry_point_and_a_reused_engine_agree()
    {
        var portfolio = Options(new OptionPosition(OptionKind.Put, 85m, Expiry30, -1m));

        PortfolioMargin.Compute(portfolio, Market, FlatSixty, PortfolioMarginParameters.Default)
            .ShouldBe(Engine.Compute(portfolio, Market, FlatSixty));
    }

    [Fact]
    public void custom_parameters_change_the_grid_and_the_floor()
    {
        var engine = new PortfolioMargin(PortfolioMarginParameters.Default with { PriceRange = 0.10, PriceBuckets = 5, ExtendedMoves = [], ShortOptionMinimum = 0.05 });
        var portfolio = Options(new OptionPosition(OptionKind.Put, 20m, Expiry30, -1m));

        engine.Scenarios.Count.ShouldBe(15);
        engine.Compute(portfolio, Market, FlatSixty).Margin.ShouldBe(5m);
    }

    [Theory]
    [InlineData(nameof(PortfolioMarginParameters.PriceBuckets))]
    [InlineData(nameof(PortfolioMarginParameters.PriceRange))]
    [InlineData(nameof(PortfolioMarginParameters.VolatilityDownShock))]
    [InlineData(nameof(PortfolioMarginParameters.ExtendedMoves))]
    [InlineData(nameof(PortfolioMarginParameters.MoneyDecimals))]
    public void invalid_parameters_are_rejected_naming_the_field(string field)
    {
        var parameters = field switch
        {
            nameof(PortfolioMarginParameters.PriceBuckets) => PortfolioMarginParameters.Default with { PriceBuckets = 8 },
            nameof(PortfolioMarginParameters.PriceRange) => PortfolioMarginParameters.Default with { PriceRange = 0.0 },
            nameof(PortfolioMarginParameters.VolatilityDownShock) => PortfolioMarginParameters.Default with { VolatilityDownShock = 1.0 },
            nameof(PortfolioMarginParameters.ExtendedMoves) => PortfolioMarginParameters.Default with { ExtendedMoves = [-1.0] },
            _ => PortfolioMarginParameters.Default with { MoneyDecimals = 30 },
        };

        Should.Throw<ArgumentException>(() => new PortfolioMargin(parameters)).ParamName.ShouldBe(field);
    }

    [Fact]
    public void bad_positions_and_markets_are_rejected_when_built()
    {
        Should.Throw<ArgumentException>(() => Options(new OptionPosition(OptionKind.Call, 0m, Expiry30, 1m)));
        Should.Throw<ArgumentException>(() => new OptionPortfolio(" ", []));
        Should.Throw<ArgumentException>(() => new UnderlyingMarket(0m, 0.0, 0.0, AsOf)).ParamName.ShouldBe("spot");
        Should.Throw<ArgumentException>(() => new UnderlyingMarket(1m, double.NaN, 0.0, AsOf)).ParamName.ShouldBe("rate");
    }
}
