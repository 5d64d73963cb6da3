using System.Collections.Immutable;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Margin.Domain.Stress;
using Clearing.Primitives.Markets;
using CsCheck;

namespace Clearing.Cli.Tests;

/// <summary>Properties of the pure stress computation (Clearing.Margin.Domain.Stress).</summary>
public sealed class StressTestPropertyTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly StressTest Test = new(new RiskCalculator(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default));

    private static readonly RiskPrices Prices = new RiskPrices()
        .WithIndex("BTC", 60_000m, stale: false, 1, AsOf).WithMark("BTC-PERP", 60_000m)
        .WithIndex("ETH", 3_000m, stale: false, 1, AsOf).WithMark("ETH-PERP", 3_000m);

    private static SubAccount Sub(decimal usdc, decimal btc = 0m, params (string Market, decimal Size, decimal Entry)[] positions) => SubAccount.Open(0) with
    {
        Balances = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            new[] { KeyValuePair.Create("USDC", usdc), KeyValuePair.Create("BTC", btc) }.Where(b => b.Value != 0m)),
        Positions = positions.ToImmutableSortedDictionary(p => p.Market, p => new Position(p.Market, p.Size, p.Size * p.Entry), StringComparer.Ordinal),
    };

    /// <summary>A long-only linear account: USDC and BTC collateral, long BTC-PERP and/or ETH-PERP bought near the current prices.</summary>
    private static readonly Gen<StressMember> LongAccounts =
        Gen.Select(Gen.Int[0, 20_000], Gen.Int[0, 20], Gen.Int[0, 40], Gen.Int[0, 400], Gen.Int[-20, 20], Gen.Int[0, 1_000])
            .Select((usdc, btcTenths, btcPerpTenths, ethPerpTenths, entryShift, id) => new StressMember($"acct-{id}", Sub(usdc, btcTenths / 10m,
                new[] { ("BTC-PERP", btcPerpTenths / 10m, 60_000m + 100m * entryShift), ("ETH-PERP", ethPerpTenths / 10m, 3_000m + 5m * entryShift) }
                    .Where(p => p.Item2 != 0m).ToArray())));

    private static readonly Gen<decimal> Crash = Gen.Int[0, 95].Select(percent => percent / 100m);

    private static StressScenario CrashOf(decimal fraction) => new() { Name = "crash", DefaultMove = -fraction };

    [Fact]
    public void a_bigger_crash_never_reduces_a_long_accounts_loss_nor_the_total_shortfall()
    {
        Gen.Select(LongAccounts.Array[1, 6], Crash, Crash).Sample((accounts, a, b) =>
        {
            var (smaller, bigger) = a <= b ? (a, b) : (b, a);
            var mild = Test.Run(CrashOf(smaller), Prices, accounts, [], []);
            var severe = Test.Run(CrashOf(bigger), Prices, accounts, [], []);
            for (var i = 0; i < accounts.Length; i++)
            {
                Test.Evaluate(accounts[i], Prices, Test.Shock(Prices, CrashOf(bigger))).LossBeyondCollateral
                    .ShouldBeGreaterThanOrEqualTo(Test.Evaluate(accounts[i], Prices, Test.Shock(Prices, CrashOf(smaller))).LossBeyondCollateral);
            }
            severe.Cover.TotalLoss.ShouldBeGreaterThanOrEqualTo(mild.Cover.TotalLoss);
        });
    }

    [Fact]
    public void the_empty_scenario_changes_no_price_and_no_equity()
    {
        LongAccounts.Sample(member =>
        {
            var none = StressScenario.Parse("none");
            Test.Shock(Prices, none).ShouldBe(Prices);
            var result = Test.Evaluate(member, Prices, Test.Shock(Prices, none));
            result.EquityAfter.ShouldBe(result.EquityBefore);
        });
    }

    [Fact]
    public void cover_2_never_exceeds_the_total_and_more_resources_never_uncover_more()
    {
        var losses = Gen.Select(Gen.Int[0, 100_000], Gen.Int[0, 50]).Select((loss, id) => ($"acct-{id}", (decimal)loss)).Array[0, 10];
        Gen.Select(losses, Gen.Int[0, 200_000], Gen.Int[0, 200_000]).Sample((all, r1, r2) =>
        {
            var (less, more) = r1 <= r2 ? (r1, r2) : (r2, r1);
            var poor = StressTest.Cover(all, less);
            var rich = StressTest.Cover(all, more);
            poor.Cover2Loss.ShouldBeLessThanOrEqualTo(poor.TotalLoss);
            poor.Cover2Uncovered.ShouldBeLessThanOrEqualTo(poor.Uncovered);
            poor.Cover2Accounts.Count.ShouldBeLessThanOrEqualTo(2);
            rich.Uncovered.ShouldBeLessThanOrEqualTo(poor.Uncovered);
            rich.Cover2Uncovered.ShouldBeLessThanOrEqualTo(poor.Cover2Uncovered);
            poor.Uncovered.ShouldBe(Math.Max(0m, all.Where(l => l.Item2 > 0m).Sum(l => l.Item2) - less));
        });
    }

    [Fact]
    public void cover_2_takes_the_two_largest_losses()
    {
        var cover = StressTest.Cover([("a", 10m), ("b", 300m), ("c", 0m), ("d", 200m), ("e", 50m)], resources: 120m);

        cover.Cover2Accounts.ShouldBe(["b", "d"]);
        cover.Cover2Loss.ShouldBe(500m);
        cover.Cover2Uncovered.ShouldBe(380m);
        cover.TotalLoss.ShouldBe(560m);
        cover.Uncovered.ShouldBe(440m);
    }

    [Fact]
    public void an_insurance_fund_under_water_is_uncovered_loss_even_when_no_trader_defaults()
    {
        // The fund took over 1 BTC long at 60 000 and holds 5 000 USDC: a 30 % crash leaves it 13 000 short.
        var fund = new StressMember(SystemAccounts.InsuranceFund, Sub(5_000m, 0m, ("BTC-PERP", 1m, 60_000m)));
        var trader = new StressMember("acct-1", Sub(100_000m));

        var result = Test.Run(StressScenario.Parse("crash-30"), Prices, [trader], [fund], []);

        result.InsuranceFundEquity.ShouldBe(-13_000m);
        result.InsuranceFundAfter.ShouldBe(0m);
        result.Cover.TotalLoss.ShouldBe(0m);
        result.Cover.Uncovered.ShouldBe(13_000m);
        result.Cover.Cover2Uncovered.ShouldBe(13_000m);
    }

    [Fact]
    public void an_isolated_loss_stops_at_its_pin_and_cross_collateral_does_not_net_it()
    {
        // 10 000 USDC, of which 1 000 pinned to an isolated 1 BTC long at 60 000: a 30 % crash loses 18 000 on it.
        var sub = SubAccount.Open(0) with
        {
            Balances = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("USDC", 10_000m)]),
            Positions = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                [KeyValuePair.Create("BTC-PERP", new Position("BTC-PERP", 1m, 60_000m, Isolated: true, IsolatedCollateral: 1_000m))]),
        };

        var result = Test.Evaluate(new StressMember("acct-iso", sub), Prices, Test.Shock(Prices, StressScenario.Parse("crash-30")));

        result.LossBeyondCollateral.ShouldBe(17_000m);
    }

    [Fact]
    public void a_vol_shock_raises_a_long_options_value_and_leaves_linear_prices_alone()
    {
        var option = MarketCatalog.EmbeddedDefaults.All.First(m => m.Kind == MarketKind.Option && m.Expiry > AsOf);
        var member = new StressMember("acct-opt", Sub(5_000m, 0m, (option.Symbol, 1m, 1m)));
        var shocked = Test.Shock(Prices, StressScenario.Parse("vol-up-50"));

        shocked.Marks["BTC-PERP"].ShouldBe(60_000m);
        shocked.Assets["BTC"].Index.ShouldBe(60_000m);
        var result = Test.Evaluate(member, Prices, shocked);
        result.EquityAfter.ShouldBeGreaterThan(result.EquityBefore);
    }
}
