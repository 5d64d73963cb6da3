using Clearing.Margin.Domain.Accounts;
using CsCheck;

namespace Clearing.Margin.Tests.Accounts;

/// <summary>Invariants over random trading histories (CsCheck shrinks any counterexample).</summary>
public class AccountPropertyTests
{
    private static readonly string[] Linear = ["BTC-PERP", "ETH-PERP", "BTC-26MAR27"];
    private static readonly string[] Traders = ["alice", "bob", "carol", "alice:1"];

    private sealed record RandomFill(int Buyer, int Seller, int Market, decimal Quantity, decimal PriceFactor, decimal Fee);

    private static readonly Gen<RandomFill> Fills =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[1, 2_000], Gen.Int[-500, 500], Gen.Int[-20, 200])
            .Where(t => t.Item1 != t.Item2)
            .Select(t => new RandomFill(t.Item1, t.Item2, t.Item3, t.Item4 * 0.001m, 1m + t.Item5 / 10_000m, t.Item6 / 10m));

    private static decimal PriceOf(RandomFill fill) => (fill.Market == 1 ? 4_000m : 100_000m) * fill.PriceFactor;

    private static MarginWorld Play(IEnumerable<RandomFill> fills, decimal? funding = null)
    {
        var world = new MarginWorld();
        foreach (var trader in Traders)
        {
            world.Deposit(trader, 1_000_000m);
        }

        foreach (var fill in fills)
        {
            world.Trade(Traders[fill.Buyer], Traders[fill.Seller], Linear[fill.Market], fill.Quantity, Math.Round(PriceOf(fill), 1), fill.Fee, -fill.Fee / 4m);
        }

        if (funding is { } rate)
        {
            world.Fund("BTC-PERP", rate, 100_123.5m);
            world.Fund("ETH-PERP", -rate, 4_011.25m);
        }

        return world;
    }

    [Fact]
    public void margin_requirement_is_monotone_in_position_size()
    {
        Gen.Select(Gen.Int[0, 400_000], Gen.Int[0, 400_000], Gen.Int[0, 2]).Sample(t =>
        {
            var (small, large) = (Math.Min(t.Item1, t.Item2) * 0.01m, Math.Max(t.Item1, t.Item2) * 0.01m);
            var world = new MarginWorld();
            var market = Linear[t.Item3];
            var a = world.Risk.Evaluate("x", Holding(market, small, world), world.Prices);
            var b = world.Risk.Evaluate("x", Holding(market, large, world), world.Prices);
            var shortA = world.Risk.Evaluate("x", Holding(market, -small, world), world.Prices);
            var shortB = world.Risk.Evaluate("x", Holding(market, -large, world), world.Prices);
            return a.InitialRequirement <= b.InitialRequirement && a.MaintenanceRequirement <= b.MaintenanceRequirement
                && shortA.InitialRequirement <= shortB.InitialRequirement && shortA.MaintenanceRequirement <= shortB.MaintenanceRequirement
                && a.MaintenanceRequirement <= a.InitialRequirement;
        });
    }

    [Fact]
    public void health_is_invariant_under_reordering_of_fills()
    {
        Gen.Select(Fills.List[1, 25], Gen.Int).Sample(t =>
        {
            var (fills, seed) = t;
            var shuffled = fills.OrderBy(f => HashCode.Combine(f, seed)).ToList();
            var first = Play(fills);
            var second = Play(shuffled);
            foreach (var trader in Traders)
            {
                var x = first.RiskOf(trader);
                var y = second.RiskOf(trader);
                if (x.Equity != y.Equity || x.MaintenanceRequirement != y.MaintenanceRequirement || x.Health != y.Health || x.Band != y.Band)
                {
                    return false;
                }
            }

            return true;
        }, iter: 60);
    }

    [Fact]
    public void replaying_an_account_stream_rebuilds_the_same_state()
    {
        Fills.List[0, 30].Sample(fills =>
        {
            var world = Play(fills, funding: 0.0001m);
            world.Prices = world.Prices.WithMark("BTC-PERP", 80_000m);
            foreach (var owner in world.Streams.Keys.ToList())
            {
                world.Revalue(owner);
            }

            return world.Streams.All(stream =>
                MarginWorld.Json(AccountDecider.Fold(Account.Empty(stream.Key), stream.Value)) == MarginWorld.Json(world[stream.Key]));
        }, iter: 60);
    }

    [Fact]
    public void every_ledger_line_balances_and_money_is_conserved()
    {
        Gen.Select(Fills.List[0, 30], Gen.Int[-100, 100]).Sample(t =>
        {
            var world = Play(t.Item1, funding: t.Item2 / 100_000m);
            world.Withdraw("carol", 1_000m);
            var lines = world.AllEvents.OfType<IMovesMoney>().SelectMany(m => m.LedgerLines).ToList();
            lines.ShouldAllBe(l => l.IsBalanced);
            AccountTests.MoneyIsConserved(world);
            var ledger = world.LedgerBalances();
            return ledger.GetValueOrDefault(SystemAccounts.FundingDust) >= 0m
                && -ledger[SystemAccounts.External] == world.Deposits - world.Withdrawals;
        }, iter: 60);
    }

    [Fact]
    public void settlement_account_returns_to_zero_when_every_position_is_flat()
    {
        Fills.List[1, 20].Sample(fills =>
        {
            var world = Play(fills);
            // Flatten everyone against a market maker at arbitrary prices: realized PnL then sums to zero.
            world.Deposit("mm", 10_000_000m);
            foreach (var trader in Traders)
            {
                foreach (var (market, position) in world[AccountAddress.Parse(trader).Owner].Sub(AccountAddress.Parse(trader)).Positions)
                {
                    if (position.Size > 0m)
                    {
                        world.Trade("mm", trader, market, position.Size, 99_999.5m);
                    }
                    else if (position.Size < 0m)
                    {
                        world.Trade(trader, "mm", market, -position.Size, 100_000.5m);
                    }
                }
            }

            foreach (var (market, position) in world["mm"].Sub(0).Positions.ToList())
            {
                world.Trade(position.Size < 0m ? "mm" : "alice", position.Size < 0m ? "alice" : "mm", market, Math.Abs(position.Size), 100_321m);
                world.Trade(position.Size < 0m ? "alice" : "mm", position.Size < 0m ? "mm" : "alice", market, Math.Abs(position.Size), 99_000m);
            }

            return world.LedgerBalances().GetValueOrDefault(SystemAccounts.Settlement) == 0m;
        }, iter: 40);
    }

    private static SubAccount Holding(string market, decimal size, MarginWorld world)
    {
        var sub = SubAccount.Open(0);
        if (size == 0m)
        {
            return sub;
        }

        var price = world.Prices.Marks[market];
        return sub with { Positions = sub.Positions.SetItem(market, new Position(market, size, size * price)) };
    }
}
