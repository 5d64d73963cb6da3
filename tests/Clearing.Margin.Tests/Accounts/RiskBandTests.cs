using System.Collections.Immutable;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Primitives.Markets;
using CsCheck;

namespace Clearing.Margin.Tests.Accounts;

/// <summary>
/// The decider checks every booking's band with <see cref="RiskCalculator.BandOf"/> and builds the full snapshot only
/// on a crossing, so the band must be exactly the one the snapshot carries, for any mix of linear, option, cross and
/// isolated positions, collateral and missing or stale prices.
/// </summary>
public sealed class RiskBandTests
{
    private static readonly MarketDefinition[] Markets = [.. MarketCatalog.EmbeddedDefaults.All];

    private sealed record RandomPosition(int Market, int Lots, int CostFactor, bool Isolated, int Pinned);

    private static readonly Gen<RandomPosition> Positions =
        Gen.Select(Gen.Int[0, Markets.Length - 1], Gen.Int[-400, 400], Gen.Int[-300, 300], Gen.Bool, Gen.Int[-50, 20_000])
            .Select(t => new RandomPosition(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5));

    private static SubAccount SubOf(IEnumerable<RandomPosition> positions, int usdc, int btc)
    {
        var sub = SubAccount.Open(0);
        foreach (var p in positions)
        {
            var market = Markets[p.Market];
            var size = p.Lots * 0.01m;
            var unit = market.Kind == MarketKind.Option ? 2_000m : market.Underlying == "ETH" ? 4_000m : 100_000m;
            var cost = size * unit * (1m + p.CostFactor / 1_000m);
            sub = sub with { Positions = sub.Positions.SetItem(market.Symbol, new Position(market.Symbol, size, cost, p.Isolated, p.Isolated ? p.Pinned : 0m)) };
        }

        var balances = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal).Add("USDC", usdc * 10m);
        return sub with { Balances = btc == 0 ? balances : balances.Add("BTC", btc * 0.01m) };
    }

    private static RiskPrices PricesOf(int btcFactor, bool btcKnown, bool stale, bool marks, bool surface)
    {
        var prices = RiskPrices.Empty.WithIndex("ETH", 4_000m, stale: false, 1, MarginWorld.T0);
        if (btcKnown)
        {
            prices = prices.WithIndex("BTC", 100_000m * (1m + btcFactor / 1_000m), stale, 2, MarginWorld.T0);
        }

        if (marks)
        {
            prices = prices.WithMark("BTC-PERP", 100_000m * (1m + btcFactor / 900m)).WithMark("ETH-PERP", 4_010m);
        }

        return surface ? prices.WithSurface("BTC", VolatilitySurface.Flat(0.65)) : prices;
    }

    [Fact]
    public void the_band_alone_is_the_band_of_the_full_valuation_for_any_holding_and_prices()
    {
        var risk = new RiskCalculator(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default);
        Gen.Select(Positions.List[0, 6], Gen.Int[-2_000, 200_000], Gen.Int[0, 300], Gen.Int[-600, 600], Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool)
            .Sample(t =>
            {
                var sub = SubOf(t.Item1, t.Item2, t.Item3);
                var prices = PricesOf(t.Item4, t.Item5 || t.Item6, t.Item6 && !t.Item5, t.Item7, t.Item8);

                return risk.BandOf(sub, prices) == risk.Evaluate("acct-x", sub, prices).Band;
            }, iter: 3_000);
    }

    [Fact]
    public void every_band_is_reached_by_the_generated_holdings_so_the_property_above_is_not_vacuous()
    {
        var risk = new RiskCalculator(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default);
        var prices = PricesOf(0, btcKnown: true, stale: false, marks: true, surface: true);
        var perp = Array.FindIndex(Markets, m => m.Symbol == "BTC-PERP");
        HealthBand BandFor(int usdc) => risk.BandOf(SubOf([new RandomPosition(perp, 100, 0, false, 0)], usdc, 0), prices);

        Enumerable.Range(-10, 2_000).Select(usdc => BandFor(usdc * 5)).Distinct().Order()
            .ShouldBe([HealthBand.Healthy, HealthBand.Warning, HealthBand.Liquidation, HealthBand.Bankrupt]);
    }
}
