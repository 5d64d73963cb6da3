using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Domain.Process;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Domain;

/// <summary>The cap check reads the open interest a fill leaves without building the new book: it must be the one Evolve builds.</summary>
public sealed class OpenInterestCapCheckTests
{
    [Fact]
    public void the_open_interest_after_a_fill_is_the_one_evolve_leaves_for_opens_adds_reductions_flips_closes_and_self_trades()
    {
        var random = new Random(7);
        var accounts = new[] { "a", "b", "c", "system:insurance-fund" };
        var book = PositionBookState.Empty("BTC-PERP");
        for (var n = 1; n <= 2_000; n++)
        {
            var taker = accounts[random.Next(accounts.Length)];
            var maker = random.Next(10) == 0 ? taker : accounts[random.Next(accounts.Length)];
            var takerBuys = random.Next(2) == 0;
            var quantity = random.Next(1, 40) / 10m;
            var signed = takerBuys ? quantity : -quantity;
            var predicted = PositionBook.OpenInterestAfter(book, taker, signed, maker, -signed);

            book = PositionBook.Evolve(book, new PositionFillApplied("BTC-PERP", $"f{n}", taker, maker, takerBuys, quantity, 50_000m + n, new("book-BTC-PERP", n)));

            predicted.ShouldBe(book.OpenInterest, $"fill {n}: {taker} {(takerBuys ? "buys" : "sells")} {quantity} from {maker}");
        }
    }

    [Fact]
    public void a_fund_takeover_past_the_cap_raises_the_refusal_signal_with_the_open_interest_it_leaves()
    {
        var book = PositionBook.OnFill(PositionBookState.Empty("BTC-PERP"), "f1", "a", "b", true, 9m, 50_000m, Btc(r => r with { OpenInterestCap = 10m }), T0, new("book-BTC-PERP", 1))
            .Aggregate(PositionBookState.Empty("BTC-PERP"), PositionBook.Evolve);
        var takeover = new TransferredToFund("b", "liq-1", "BTC-PERP", "system:insurance-fund", CloseSide.Buy, 9m, 50_000m, 50_000m, 0m, 0m, 0m, "test", T0);

        var decided = PositionBook.OnLiquidationEvent(book, takeover, Btc(r => r with { OpenInterestCap = 1m }), new("liquidation-b", 1));

        var after = decided.Aggregate(book, PositionBook.Evolve);
        decided.OfType<OpenInterestCapChanged>().ShouldHaveSingleItem().OpenInterest.ShouldBe(after.OpenInterest);
        after.Capped.ShouldBeTrue();
    }
}
