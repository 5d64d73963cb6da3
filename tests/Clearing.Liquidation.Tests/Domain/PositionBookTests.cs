using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Domain.Process;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Domain;

public sealed class PositionBookTests
{
    private static PositionBookState Fill(PositionBookState state, string taker, string maker, bool takerBuys, decimal quantity, decimal price, long sequence, decimal cap = 0m) =>
        PositionBook.OnFill(state, $"f{sequence}", taker, maker, takerBuys, quantity, price, Btc(r => r with { OpenInterestCap = cap }), T0, new("book-BTC-PERP", sequence))
            .Aggregate(state, PositionBook.Evolve);

    [Fact]
    public void fills_build_signed_positions_with_weighted_entries_and_open_interest()
    {
        var book = PositionBookState.Empty("BTC-PERP");
        book = Fill(book, "a", "b", takerBuys: true, 1m, 50_000m, 1);
        book = Fill(book, "a", "c", takerBuys: true, 1m, 52_000m, 2);
        book = Fill(book, "b", "a", takerBuys: true, 0.5m, 53_000m, 3);

        book.Positions["a"].ShouldBe(new BookPosition(1.5m, 51_000m));
        book.Positions["b"].ShouldBe(new BookPosition(-0.5m, 50_000m));
        book.Positions["c"].ShouldBe(new BookPosition(-1m, 52_000m));
        book.OpenInterest.ShouldBe(1.5m);
    }

    [Fact]
    public void a_repeated_fill_is_applied_once()
    {
        var book = Fill(PositionBookState.Empty("BTC-PERP"), "a", "b", takerBuys: true, 1m, 50_000m, 1);

        PositionBook.OnFill(book, "f1", "a", "b", true, 1m, 50_000m, Btc(), T0, new("book-BTC-PERP", 1)).ShouldBeEmpty();
    }

    [Fact]
    public void crossing_the_open_interest_cap_raises_the_refusal_signal_and_falling_below_the_resume_share_lifts_it()
    {
        var book = PositionBookState.Empty("BTC-PERP");
        var capped = PositionBook.OnFill(book, "f1", "a", "b", true, 11m, 50_000m, Btc(r => r with { OpenInterestCap = 10m }), T0, new("book-BTC-PERP", 1));
        capped.OfType<OpenInterestCapChanged>().Single().ShouldBe(new OpenInterestCapChanged("BTC-PERP", 11m, 10m, true, T0));
        book = capped.Aggregate(book, PositionBook.Evolve);

        book = Fill(book, "b", "a", takerBuys: true, 1m, 50_000m, 2, cap: 10m);   // 10: at the cap, still above 95%
        book.Capped.ShouldBeTrue();
        var lifted = PositionBook.OnFill(book, "f3", "b", "a", true, 1m, 50_000m, Btc(r => r with { OpenInterestCap = 10m }), T0, new("book-BTC-PERP", 3));
        lifted.OfType<OpenInterestCapChanged>().Single().Capped.ShouldBeFalse();
    }

    [Fact]
    public void fund_takeovers_and_adl_move_positions_and_system_accounts_are_never_adl_candidates()
    {
        var book = Fill(PositionBookState.Empty("BTC-PERP"), "long", "short", takerBuys: true, 1m, 50_000m, 1);
        book = Fill(book, "long2", "short2", takerBuys: true, 1m, 50_000m, 2);
        var toFund = new TransferredToFund("long", "long:1", "BTC-PERP", LiquidationProcess.FundAccountId, CloseSide.Sell, 0.4m, 45_000m, 44_000m, -400m, 400m, 0m, "why", T0);
        var adl = new AdlExecuted("long", "long:1", "BTC-PERP", "short", CloseSide.Sell, 0.6m, 45_000m, 44_000m, -1m, 1, 1m, 1m, 1m, 600m, "why", T0);
        book = PositionBook.OnLiquidationEvent(book, toFund, Btc(), new("liquidation-long", 7)).Aggregate(book, PositionBook.Evolve);
        book = PositionBook.OnLiquidationEvent(book, adl, Btc(), new("liquidation-long", 8)).Aggregate(book, PositionBook.Evolve);

        book.Positions.ContainsKey("long").ShouldBeFalse();
        book.Positions[LiquidationProcess.FundAccountId].ShouldBe(new BookPosition(0.4m, 45_000m));
        book.Positions["short"].Size.ShouldBe(-0.4m);
        book.Candidates().Select(c => c.AccountId).ShouldBe(["long2", "short", "short2"]);
    }
}
