using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Matching.Tests;

public sealed class InstrumentTests
{
    private static readonly InstrumentSpec Btc = InstrumentSpec.Perpetual("BTC-PERP", "BTC", 0.5m, 0.001m);

    [Theory]
    [InlineData("50000.5", 100_001L)]
    [InlineData("0.5", 1L)]
    [InlineData("50000.50000", 100_001L)]
    public void an_on_tick_price_converts_to_exact_ticks(string text, long ticks)
    {
        DecimalText.TryParse(text, out var price, out _).ShouldBeTrue();
        Btc.TryPriceToTicks(price, out var result).ShouldBe(RejectReason.None);
        result.ShouldBe(ticks);
        Btc.TicksToPrice(result).ShouldBe(price);
    }

    [Theory]
    [InlineData("50000.3", RejectReason.OffTick)]
    [InlineData("0.25", RejectReason.OffTick)]
    [InlineData("0", RejectReason.NonPositivePrice)]
    [InlineData("-1", RejectReason.NonPositivePrice)]
    [InlineData("5000000000", RejectReason.PriceOutOfRange)]
    public void an_invalid_price_is_refused_with_its_reason(string text, RejectReason reason)
    {
        DecimalText.TryParse(text, out var price, out _).ShouldBeTrue();
        Btc.TryPriceToTicks(price, out _).ShouldBe(reason);
    }

    [Theory]
    [InlineData("0.1", RejectReason.None, 100L)]
    [InlineData("0.001", RejectReason.None, 1L)]
    [InlineData("0.0015", RejectReason.OffLot, 0L)]
    [InlineData("0", RejectReason.NonPositiveQuantity, 0L)]
    [InlineData("-0.1", RejectReason.NonPositiveQuantity, 0L)]
    [InlineData("1000000", RejectReason.AboveMaxSize, 0L)]
    public void quantities_convert_to_whole_lots_or_are_refused(string text, RejectReason reason, long lots)
    {
        DecimalText.TryParse(text, out var quantity, out _).ShouldBeTrue();
        Btc.TryQuantityToLots(quantity, out var result).ShouldBe(reason);
        result.ShouldBe(lots);
    }

    [Theory]
    [InlineData("1e5")]
    [InlineData("1.2.3")]
    [InlineData("")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData(" 5")]
    [InlineData("0x10")]
    [InlineData("1.00000000000000000000000000001")]
    public void malformed_or_over_precise_decimal_text_is_refused(string text)
    {
        DecimalText.TryParse(text, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void trailing_zeros_beyond_28_digits_are_not_precision()
    {
        DecimalText.TryParse("0.10000000000000000000000000000000", out var value, out _).ShouldBeTrue();
        value.ShouldBe(0.1m);
    }

    [Theory]
    [InlineData(100_001L, "50000.5")]
    [InlineData(100_000L, "50000")]
    [InlineData(1L, "0.5")]
    public void prices_print_as_their_shortest_exact_text(long ticks, string text) =>
        DecimalText.Format(Btc.TicksToPrice(ticks)).ShouldBe(text);

    [Fact]
    public void fee_scale_reduces_tick_times_lot_to_an_exact_fraction()
    {
        var scale = FeeScale.For(Btc);
        (scale.Numerator, scale.Denominator).ShouldBe((1L, 20L), "0.5 × 0.001 × 10^8 / 10^6 = 0.05");
        scale.Fee(100_000, 100, 500).ShouldBe(250_000_000);
        scale.Fee(1, 1, 1).ShouldBe(1, "0.05 of a unit rounds up");
        scale.Fee(1, 1, -1).ShouldBe(0, "a rebate of 0.05 of a unit rounds toward zero");
        scale.Fee(3, 7, 0).ShouldBe(0);
    }

    [Fact]
    public void instrument_configuration_errors_name_the_problem()
    {
        Should.Throw<ArgumentException>(() => (Btc with { TickSize = 0 }).Validate(1)).Message.ShouldContain("TickSize");
        Should.Throw<ArgumentException>(() => (Btc with { LotSize = 0.0000000001m }).Validate(1)).Message.ShouldContain("LotSize");
        Should.Throw<ArgumentException>(() => (Btc with { ExpiresAt = 5 }).Validate(1)).Message.ShouldContain("perpetual");
        Should.Throw<ArgumentException>(() => new InstrumentSpec { Symbol = "F", Kind = InstrumentKind.DatedFuture, Underlying = "BTC", TickSize = 1m, LotSize = 1m }.Validate(1))
            .Message.ShouldContain("ExpiresAt");
        Should.Throw<ArgumentException>(() => (InstrumentSpec.OptionSeries("O", "BTC", OptionRight.Put, 100m, 10, 1m, 1m) with { Strike = null }).Validate(1))
            .Message.ShouldContain("Strike");
        Should.Throw<ArgumentException>(() => (Btc with { FeeTiers = [new(1, 1), new(1, 1)] }).Validate(3)).Message.ShouldContain("FeeTiers");
        Should.Throw<ArgumentException>(() => (Btc with { MaxPriceTicks = 1L << 40, MaxOrderLots = 1L << 40, FeeTiers = [new(0, 1_000_000)] }).Validate(1))
            .Message.ShouldContain("fee arithmetic");
        Should.Throw<ArgumentException>(() => new MatchingEngine(new EngineConfig { Instruments = [Btc, Btc] })).Message.ShouldContain("twice");
    }

    [Fact]
    public void option_series_and_dated_futures_carry_their_terms()
    {
        var call = InstrumentSpec.OptionSeries("BTC-C-60000", "BTC", OptionRight.Call, 60_000m, 1_000, 5m, 0.1m);
        call.Validate(1);
        (call.Kind, call.Right, call.Strike, call.ExpiresAt).ShouldBe((InstrumentKind.Option, OptionRight.Call, 60_000m, 1_000L));
        var config = new EngineConfig { Instruments = [Btc, call, InstrumentSpec.Perpetual("ETH-PERP", "ETH", 0.01m, 0.01m)] };
        config.Underlyings.ShouldBe(["BTC", "ETH"]);
        config.UnderlyingIndexOf(1).ShouldBe(0);
        config.UnderlyingIndexOf(2).ShouldBe(1);
    }
}
