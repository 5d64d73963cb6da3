using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Matching.Application;
using Clearing.Primitives.Markets;

namespace Clearing.Matching.Tests.Host;

public sealed class FeeTierTests
{
    private static MatchingOptions Options(bool vipMapped = true) => new()
    {
        FeeTiers =
        [
            new FeeTierOptions
            {
                Name = "vip", MakerFee = -0.0001m, TakerFee = 0.0003m,
                Markets = { ["BTC-PERP"] = new FeeRateOptions { MakerFee = -0.00015m, TakerFee = 0.00025m } },
            },
            new FeeTierOptions { Name = "retail-plus", TakerFee = 0.0007m },
        ],
        AccountTiers = vipMapped ? new Dictionary<string, string> { ["vip"] = "vip", ["plus"] = "retail-plus" } : new Dictionary<string, string> { ["plus"] = "retail-plus" },
    };

    private static MatchingPipeline Pipeline(MatchingOptions options) => new(MarketCatalog.EmbeddedDefaults, options);

    [Fact]
    public void each_side_of_a_fill_pays_its_own_tiers_rate_for_that_market_and_a_negative_maker_rate_is_a_rebate()
    {
        var pipeline = Pipeline(Options());

        var fill = pipeline.Run(
                HostOrders.Limit("BTC-PERP", "vip", "m1", Side.Sell, "50000", "1"),
                HostOrders.Limit("BTC-PERP", "someone", "t1", Side.Buy, "50000", "1"))
            .Single(e => e.Fill != null).Fill;

        // Maker: the vip tier's BTC-PERP override, −1.5 bp of 50 000 = −7.5 (a rebate); taker: BTC-PERP's catalog 5 bp = 25.
        fill.MakerFee.ShouldBe("-7.5");
        fill.TakerFee.ShouldBe("25");
        (fill.MakerFeeTier, fill.TakerFeeTier).ShouldBe(("vip", "default"));
    }

    [Fact]
    public void a_tier_without_an_entry_for_the_market_uses_its_tier_wide_rate_or_else_the_catalog_rate()
    {
        var pipeline = Pipeline(Options());

        var fills = pipeline.Run(
                HostOrders.Limit("ETH-PERP", "plus", "m1", Side.Sell, "3000", "10"),
                HostOrders.Limit("ETH-PERP", "vip", "t1", Side.Buy, "3000", "4"),
                HostOrders.Limit("ETH-PERP", "plus", "t2", Side.Buy, "3000", "1", tif: TimeInForce.Ioc),
                HostOrders.Limit("ETH-PERP", "vip", "m2", Side.Sell, "3000", "1"),
                HostOrders.Limit("ETH-PERP", "plus", "t3", Side.Buy, "3000", "6", tif: TimeInForce.Ioc))
            .Where(e => e.Fill != null).Select(e => e.Fill).ToList();

        // vip takes 4 × 3000 at its tier-wide 3 bp = 3.6; plus (no maker rate of its own) makes at ETH-PERP's catalog 1 bp = 1.2.
        (fills[0].TakerFee, fills[0].MakerFee).ShouldBe(("3.6", "1.2"));
        // plus's IOC t2 meets its own m1 first (self-trade prevention cancels m1); its t3 then takes vip's m2: 1 × 3000 at plus's
        // tier-wide 7 bp = 2.1, and vip makes at its tier-wide −1 bp = −0.3 (ETH-PERP has no vip override).
        fills.Count.ShouldBe(2);
        (fills[1].TakerAccountId, fills[1].MakerAccountId, fills[1].TakerFee, fills[1].MakerFee).ShouldBe(("plus", "vip", "2.1", "-0.3"));
        (fills[1].TakerFeeTier, fills[1].MakerFeeTier).ShouldBe(("retail-plus", "vip"));
    }

    [Fact]
    public void the_tier_is_stored_with_the_input_so_a_replay_after_the_account_map_changed_charges_what_was_charged()
    {
        var first = Pipeline(Options());
        var published = first.Run(
            HostOrders.Limit("BTC-PERP", "vip", "m1", Side.Sell, "50000", "1"),
            HostOrders.Limit("BTC-PERP", "someone", "t1", Side.Buy, "50000", "1"));
        var stored = first.TakePending().ShouldHaveSingleItem();
        stored.Inputs[0].Order!.FeeTier.ShouldBe("vip");
        stored.Inputs[1].Order!.FeeTier.ShouldBeNull();

        var replayed = Pipeline(Options(vipMapped: false));
        var output = new List<MatchingEvent>();
        replayed.Replay(stored, output);

        HostReplayTests.Wire(output).ShouldBe(HostReplayTests.Wire(published));
        replayed.Book("BTC-PERP").StateHash().ShouldBe(first.Book("BTC-PERP").StateHash());
    }

    [Fact]
    public void an_account_mapped_to_an_unknown_tier_is_a_start_up_error_naming_both()
    {
        var options = Options();
        options.AccountTiers["acct-9"] = "gold";

        Should.Throw<ArgumentException>(() => Pipeline(options)).Message.ShouldContain("Matching:AccountTiers:acct-9: unknown fee tier 'gold'");
    }

    [Fact]
    public void a_tier_rate_that_is_not_a_whole_millionth_is_a_start_up_error_naming_market_and_tier()
    {
        var options = Options();
        options.FeeTiers[0].Markets["BTC-PERP"].TakerFee = 0.00025001m;

        Should.Throw<ArgumentException>(() => Pipeline(options)).Message.ShouldContain("market 'BTC-PERP', fee tier 'vip'");
    }
}
