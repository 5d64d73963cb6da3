using Clearing.OracleIngest.Domain;

namespace Clearing.OracleIngest.Tests;

public sealed class MarkPriceTests
{
    private static readonly long T0 = OracleWorld.T0;
    private const long Second = Nanos.PerSecond;

    [Fact]
    public void mark_equals_the_index_when_book_and_trades_agree_with_it()
    {
        var world = new OracleWorld();
        world.Markets["BTC-PERP"] = new MarketObservation("BTC-PERP", 63_990m, 64_010m, 64_000m);

        world.AllReport(64_000m, T0);
        world.AllReport(64_000m, T0 + Second);

        var mark = world.LastIndex.Marks.ShouldHaveSingleItem();
        mark.Market.ShouldBe("BTC-PERP");
        mark.Mark.ShouldBe(64_000m);
        mark.BookMidComponent.ShouldBe(64_000m);
    }

    [Fact]
    public void a_thin_book_pushed_twenty_percent_away_cannot_move_the_mark_alone()
    {
        var world = new OracleWorld();
        world.Markets["BTC-PERP"] = new MarketObservation("BTC-PERP", 63_990m, 64_010m, 64_000m);
        world.AllReport(64_000m, T0);

        // One trader lifts the thin book to +20% and keeps it there; no trades print there, publishers stay at 64 000.
        world.Markets["BTC-PERP"] = new MarketObservation("BTC-PERP", 76_790m, 76_810m, 64_000m);
        for (var s = 1; s <= 30; s++)
        {
            world.AllReport(64_000m, T0 + s * Second);
        }

        var after30s = world.LastIndex.Marks.Single();
        after30s.BookMidComponent.ShouldBe(76_800m);
        ((after30s.Mark - 64_000m) / 64_000m).ShouldBeLessThan(0.01m, "the book moved 20%; the mark follows only through the basis EMA");

        for (var s = 31; s <= 3_600; s += 10)
        {
            world.AllReport(64_000m, T0 + s * Second);
        }

        var afterAnHour = world.LastIndex.Marks.Single();
        ((afterAnHour.Mark - 64_000m) / 64_000m).ShouldBeLessThanOrEqualTo(world.Parameters.MaxMarkBasis,
            "held for an hour, the book still moves the mark at most the basis clamp");
    }

    [Fact]
    public void book_and_trades_together_move_the_mark_toward_a_real_premium()
    {
        var world = new OracleWorld();
        world.Markets["BTC-PERP"] = new MarketObservation("BTC-PERP", 64_630m, 64_650m, 64_640m);
        world.AllReport(64_000m, T0);

        for (var s = 1; s <= 600; s += 5)
        {
            world.AllReport(64_000m, T0 + s * Second);
        }

        var mark = world.LastIndex.Marks.Single();
        mark.Mark.ShouldBeGreaterThan(64_300m);
        mark.Mark.ShouldBeLessThanOrEqualTo(64_640m);
    }

    [Fact]
    public void one_sided_book_gives_no_mid_and_the_mark_uses_the_other_two_inputs()
    {
        var world = new OracleWorld();
        world.Markets["BTC-PERP"] = new MarketObservation("BTC-PERP", 63_990m, null, null);

        world.AllReport(64_000m, T0);

        var mark = world.LastIndex.Marks.Single();
        mark.BookMidComponent.ShouldBeNull();
        mark.Mark.ShouldBe(64_000m);
    }
}
