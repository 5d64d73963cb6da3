using Clearing.Margin.Domain.Accounts;
using CsCheck;

namespace Clearing.Margin.Tests.Accounts;

public class MarketRiskIndexTests
{
    [Fact]
    public void the_fixed_point_index_finds_exactly_the_band_changes_the_exact_valuation_finds()
    {
        var accounts = Gen.Select(Gen.Int[-50_000, 50_000], Gen.Int[90_000, 110_000], Gen.Int[0, 3_000_000]).List[1, 40];
        Gen.Select(accounts, Gen.Int[60_000, 140_000]).Sample(t =>
        {
            var (holdings, markInt) = t;
            var world = new MarginWorld();
            var index = new MarketRiskIndex("BTC-PERP", MarginParameters.LargeCap, world.Risk.Parameters.WarningHealth);
            var subs = new List<SubAccount>();
            for (var i = 0; i < holdings.Count; i++)
            {
                var (sizeLots, entry, collateralCents) = holdings[i];
                var size = sizeLots * 0.001m;
                var sub = SubAccount.Open(0) with
                {
                    Balances = SubAccount.Open(0).Balances.SetItem("USDC", collateralCents / 100m),
                    Positions = size == 0m ? SubAccount.Open(0).Positions : SubAccount.Open(0).Positions.SetItem("BTC-PERP", new Position("BTC-PERP", size, size * entry)),
                };
                var band = world.Risk.Evaluate($"a{i}", sub, world.Prices).Band;
                subs.Add(sub with { Band = band });
                index.Upsert($"a{i}", size, size * entry, collateralCents / 100m, 0m, band);
            }

            var mark = markInt + 0.5m;
            var prices = world.Prices.WithMark("BTC-PERP", mark);
            var moved = new List<int>();
            index.Revalue(mark, moved);
            var exact = Enumerable.Range(0, subs.Count).Where(i => world.Risk.Evaluate($"a{i}", subs[i], prices).Band != subs[i].Band).ToList();
            return moved.Select(index.AccountAt).Order().SequenceEqual(exact.Select(i => $"a{i}").Order());
        }, iter: 200);
    }

    [Fact]
    public void removing_a_unit_moves_the_last_one_into_its_slot()
    {
        var index = new MarketRiskIndex("BTC-PERP", MarginParameters.LargeCap, 1.25m);
        index.Upsert("a", 1m, 100_000m, 10_000m, 0m, HealthBand.Healthy);
        index.Upsert("b", -1m, -100_000m, 500m, 0m, HealthBand.Healthy);
        index.Upsert("c", 2m, 200_000m, 50m, 0m, HealthBand.Healthy);

        index.Remove("a").ShouldBeTrue();
        var moved = new List<int>();
        index.Revalue(100_000m, moved);

        index.Count.ShouldBe(2);
        moved.Select(index.AccountAt).ShouldBe(["c", "b"], ignoreOrder: true); // b: 500 < 1 200 maintenance; c: 50 < 2 400
        index.BandAt(moved.Single(s => index.AccountAt(s) == "c")).ShouldBe(HealthBand.Healthy);
    }
}
