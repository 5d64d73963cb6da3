using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;
using Clearing.Matching.Tests.Support;

namespace Clearing.Matching.Tests;

/// <summary>MatchingEngine.SetTradingParameters: governed fee rates and band, applied by the host at a defined point.</summary>
public sealed class EngineTradingParametersTests
{
    [Fact]
    public void new_fee_rates_apply_to_the_next_fill_also_against_an_order_that_rested_before()
    {
        var engine = new MatchingEngine(EngineHarness.StandardConfig());
        var harness = new EngineHarness(engine);
        var scale = FeeScale.For(EngineHarness.StandardConfig().Instruments[EngineHarness.Btc]);
        harness.Sell(1, account: 1, price: 100_000, quantity: 2_000);

        var before = harness.Buy(2, account: 2, price: 100_000, quantity: 1_000).Single(e => e.Kind == EventKind.Filled);
        engine.SetTradingParameters(EngineHarness.Btc, [new FeeRate(200, 700), new FeeRate(-200, 300)], 500);
        var after = harness.Buy(3, account: 2, price: 100_000, quantity: 1_000).Single(e => e.Kind == EventKind.Filled);

        (before.MakerFee, before.TakerFee).ShouldBe((scale.Fee(100_000, 1_000, -100), scale.Fee(100_000, 1_000, 500)));
        (after.MakerFee, after.TakerFee).ShouldBe((scale.Fee(100_000, 1_000, 200), scale.Fee(100_000, 1_000, 700)));
        engine.TradingParametersOf(EngineHarness.Btc).FeeTiers.ShouldBe([new FeeRate(200, 700), new FeeRate(-200, 300)]);
    }

    [Fact]
    public void a_band_change_refuses_the_next_order_outside_it_and_leaves_resting_orders_alone()
    {
        var engine = new MatchingEngine(EngineHarness.StandardConfig());
        var harness = new EngineHarness(engine);
        harness.Run(EngineCommand.MarkPrice(1, EngineHarness.Btc, 100_000));
        harness.Buy(1, account: 1, price: 98_000, quantity: 1_000).ShouldContain(e => e.Kind == EventKind.Rested);

        engine.SetTradingParameters(EngineHarness.Btc, [new FeeRate(-100, 500), new FeeRate(-200, 300)], 100);
        var refused = harness.Buy(2, account: 1, price: 98_000, quantity: 1_000);

        refused.Single().RejectReason.ShouldBe(RejectReason.PriceOutsideBand);
        engine.Book(EngineHarness.Btc).Bids.ShouldHaveSingleItem().Price.ShouldBe(98_000);
    }

    [Fact]
    public void rates_the_engine_cannot_charge_exactly_are_refused_naming_the_problem_and_nothing_changes()
    {
        var engine = new MatchingEngine(EngineHarness.StandardConfig());

        Should.Throw<ArgumentException>(() => engine.SetTradingParameters(EngineHarness.Btc, [new FeeRate(0, 2_000_000), new FeeRate(0, 0)], 500))
            .Message.ShouldContain("±100%");
        Should.Throw<ArgumentException>(() => engine.SetTradingParameters(EngineHarness.Btc, [new FeeRate(0, 0)], -1))
            .Message.ShouldContain("PriceBandBps");

        engine.TradingParametersOf(EngineHarness.Btc).PriceBandBps.ShouldBe(0);
        engine.TradingParametersOf(EngineHarness.Btc).FeeTiers.ShouldBe([new FeeRate(-100, 500), new FeeRate(-200, 300)]);
    }
}
