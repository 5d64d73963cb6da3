using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Matching.Application;
using Clearing.Matching.Domain.Instruments;
using Clearing.Primitives.Markets;
using static Clearing.Matching.Tests.Host.HostOrders;

namespace Clearing.Matching.Tests.Host;

public sealed class HostMappingTests
{
    private const string Btc = "BTC-PERP";

    [Fact]
    public void catalog_markets_map_to_instruments_with_fees_in_millionths_and_band_in_basis_points()
    {
        var spec = InstrumentMapping.ToSpec(MarketCatalog.EmbeddedDefaults.Get(Btc), new MatchingOptions());

        spec.TickSize.ShouldBe(0.5m);
        spec.LotSize.ShouldBe(0.001m);
        spec.MinOrderLots.ShouldBe(1);
        spec.MaxOrderLots.ShouldBe(1_000_000);
        spec.FeeTiers.ShouldBe([new FeeRate(100, 500)]);
        spec.PriceBandBps.ShouldBe(500);
        spec.MaxPriceTicks.ShouldBe(20_000_000);
        spec.Kind.ShouldBe(InstrumentKind.Perpetual);
    }

    [Fact]
    public void option_markets_keep_strike_right_and_expiry_in_unix_nanoseconds()
    {
        var market = MarketCatalog.EmbeddedDefaults.Get("BTC-26MAR27-100000-C");
        var spec = InstrumentMapping.ToSpec(market, new MatchingOptions());

        spec.Kind.ShouldBe(InstrumentKind.Option);
        spec.Strike.ShouldBe(100_000m);
        spec.Right.ShouldBe(Clearing.Matching.Domain.Instruments.OptionRight.Call);
        spec.ExpiresAt.ShouldBe(new DateTimeOffset(2027, 3, 26, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000);
    }

    [Fact]
    public void a_fee_that_is_not_whole_millionths_is_refused_naming_the_market()
    {
        var market = MarketCatalog.EmbeddedDefaults.Get(Btc) with { TakerFee = 0.00000051m };

        var error = Should.Throw<ArgumentException>(() => InstrumentMapping.ToSpec(market, new MatchingOptions()));

        error.Message.ShouldContain("BTC-PERP");
        error.Message.ShouldContain("TakerFee");
    }

    [Fact]
    public void an_order_for_an_unknown_market_is_rejected_with_no_sequence()
    {
        var events = Pipeline().Run(Limit("DOGE-PERP", "a1", "o1", Side.Buy, "1", "1"));

        var e = events.ShouldHaveSingleItem();
        e.Rejected.Reason.ShouldBe("unknown-market");
        e.Rejected.OrderId.ShouldBe("o1");
        e.Sequence.ShouldBe(0);
    }

    [Theory]
    [InlineData("50000.25", "0.1", "off-tick")]
    [InlineData("50000", "0.0005", "off-lot")]
    [InlineData("50000", "0", "non-positive-quantity")]
    [InlineData("-1", "0.1", "non-positive-price")]
    [InlineData("50000", "2000", "above-max-size")]
    [InlineData("5e4", "0.1", "malformed-price")]
    [InlineData("50000", "ten", "malformed-quantity")]
    public void a_bad_price_or_size_is_rejected_with_its_reason(string price, string quantity, string reason)
    {
        var events = Pipeline().Run(Limit(Btc, "a1", "o1", Side.Buy, price, quantity));

        var e = events.ShouldHaveSingleItem();
        e.Rejected.Reason.ShouldBe(reason);
        e.Rejected.OrderId.ShouldBe("o1");
        e.Rejected.AccountId.ShouldBe("a1");
        e.Sequence.ShouldBe(1);
        e.Market.ShouldBe(Btc);
    }

    [Fact]
    public void a_client_order_id_already_used_by_the_account_is_rejected_but_another_account_may_use_it()
    {
        var pipeline = Pipeline();
        pipeline.Run(Limit(Btc, "a1", "o1", Side.Buy, "50000", "0.1"));

        pipeline.Run(Limit(Btc, "a1", "o1", Side.Buy, "49000", "0.1")).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("duplicate-order-id");
        pipeline.Run(Limit(Btc, "a2", "o1", Side.Buy, "49000", "0.1")).Select(e => e.EventCase)
            .ShouldBe([MatchingEvent.EventOneofCase.Accepted, MatchingEvent.EventOneofCase.Rested]);
    }

    [Fact]
    public void a_repeated_command_id_is_skipped_without_any_event()
    {
        var pipeline = Pipeline();
        var place = Limit(Btc, "a1", "o1", Side.Buy, "50000", "0.1");
        pipeline.Run(place).Count.ShouldBe(2);

        pipeline.Run(place).ShouldBeEmpty();
        pipeline.Book(Btc).Sequence.ShouldBe(2);
        pipeline.TakePending().ShouldHaveSingleItem().Inputs.Count.ShouldBe(1);
    }

    [Fact]
    public void cancelling_an_unknown_order_or_another_accounts_order_is_rejected()
    {
        var pipeline = Pipeline();
        pipeline.Run(Limit(Btc, "a1", "o1", Side.Buy, "50000", "0.1"));

        pipeline.Run(Cancel(Btc, "a1", "nope")).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("unknown-order");
        pipeline.Run(Cancel(Btc, "a2", "o1")).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("unknown-order");
        var cancelled = pipeline.Run(Cancel(Btc, "a1", "o1")).ShouldHaveSingleItem().Cancelled;
        cancelled.Reason.ShouldBe("user");
        cancelled.Quantity.ShouldBe("0.1");
        pipeline.Run(Cancel(Btc, "a1", "o1")).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("not-resting");
    }

    [Fact]
    public void a_fill_carries_client_ids_margin_modes_origins_fees_and_remaining_sizes()
    {
        var pipeline = Pipeline();
        pipeline.Run(Limit(Btc, "maker", "m1", Side.Sell, "50000", "0.3", mode: MarginMode.Isolated, isolated: "1500", origin: Origin.Vault));

        var events = pipeline.Run(Limit(Btc, "taker", "t1", Side.Buy, "50000.5", "0.1", origin: Origin.Liquidation));

        events.Select(e => e.EventCase).ShouldBe([MatchingEvent.EventOneofCase.Accepted, MatchingEvent.EventOneofCase.Fill]);
        var fill = events[1].Fill;
        events[1].Sequence.ShouldBe(4);
        fill.FillId.ShouldBe("BTC-PERP:4");
        fill.Price.ShouldBe("50000");
        fill.Quantity.ShouldBe("0.1");
        fill.TakerSide.ShouldBe(Side.Buy);
        (fill.TakerOrderId, fill.TakerAccountId, fill.MakerOrderId, fill.MakerAccountId).ShouldBe(("t1", "taker", "m1", "maker"));
        fill.TakerRemaining.ShouldBe("0");
        fill.MakerRemaining.ShouldBe("0.2");
        // 5000 USDC notional: taker 5 bp = 2.5, maker 1 bp = 0.5.
        fill.TakerFee.ShouldBe("2.5");
        fill.MakerFee.ShouldBe("0.5");
        fill.FeeAsset.ShouldBe("USDC");
        (fill.TakerMarginMode, fill.MakerMarginMode).ShouldBe((MarginMode.Cross, MarginMode.Isolated));
        (fill.TakerOrigin, fill.MakerOrigin).ShouldBe((Origin.Liquidation, Origin.Vault));
        (fill.TakerIsolatedCollateral, fill.MakerIsolatedCollateral).ShouldBe(("", "1500"));
        events[1].CommandId.ShouldNotBeEmpty();
    }

    [Fact]
    public void sequences_are_gap_free_per_market_across_rejections_and_fills()
    {
        var pipeline = Pipeline();
        var events = pipeline.Run(
            Limit(Btc, "a1", "o1", Side.Sell, "50000", "0.1"),
            Limit("ETH-PERP", "a1", "e1", Side.Sell, "3000", "1"),
            Limit(Btc, "a1", "o2", Side.Sell, "50000.25", "0.1"),
            Market(Btc, "a2", "o3", Side.Buy, "0.2"),
            Amend(Btc, "a1", "o1", "50001", "0.1"));

        events.Where(e => e.Market == Btc).Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, events.Count(e => e.Market == Btc)).Select(i => (long)i));
        events.Where(e => e.Market == "ETH-PERP").Select(e => e.Sequence).ShouldBe([1, 2]);
        events.Single(e => e.Cancelled is not null).Cancelled.Reason.ShouldBe("ioc-remainder");
        events.Single(e => e.Cancelled is not null).Cancelled.Quantity.ShouldBe("0.1");
    }

    [Fact]
    public void an_amend_without_a_quantity_keeps_the_remaining_size()
    {
        var pipeline = Pipeline();
        pipeline.Run(Limit(Btc, "a1", "o1", Side.Buy, "50000", "0.3"));

        var amended = pipeline.Run(Amend(Btc, "a1", "o1", "49999.5", "")).First().Amended;

        amended.Price.ShouldBe("49999.5");
        amended.Quantity.ShouldBe("0.3");
        amended.KeptPriority.ShouldBeFalse();
    }

    [Fact]
    public void a_circuit_breaker_refuses_risk_increasing_orders_on_every_market_of_the_underlying_until_the_oracle_recovers()
    {
        var pipeline = Pipeline();
        pipeline.Run(Limit(Btc, "a1", "o1", Side.Sell, "50000", "0.1"));
        pipeline.Run(Market(Btc, "a2", "o2", Side.Buy, "0.1"));

        pipeline.Run(Price("BTC", 1, T0 + 1, PriceStatus.CircuitBreaker));

        pipeline.Run(Limit(Btc, "a3", "o3", Side.Buy, "49000", "0.1", time: T0 + 2)).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("circuit-breaker");
        pipeline.Run(Limit("BTC-26MAR27", "a3", "f1", Side.Buy, "49000", "0.1", time: T0 + 2)).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("circuit-breaker");
        pipeline.Run(Limit("ETH-PERP", "a3", "e1", Side.Buy, "3000", "1", time: T0 + 2)).First().Accepted.ShouldNotBeNull();
        // Closing a position stays possible: a2 is long 0.1 and may sell it.
        pipeline.Run(Limit(Btc, "a2", "close", Side.Sell, "51000", "0.1", time: T0 + 2, reduceOnly: true)).First().Accepted.ShouldNotBeNull();

        pipeline.Run(Price("BTC", 2, T0 + 3, PriceStatus.Ok, (Btc, "50000")));
        pipeline.Run(Limit(Btc, "a3", "o4", Side.Buy, "49000", "0.1", time: T0 + 4)).First().Accepted.ShouldNotBeNull();
    }

    [Fact]
    public void the_mark_price_bounds_limit_prices_and_an_old_oracle_sequence_is_ignored()
    {
        var pipeline = Pipeline();
        pipeline.Run(Price("BTC", 5, T0, PriceStatus.Ok, (Btc, "50000.3")));
        pipeline.Run(Price("BTC", 4, T0, PriceStatus.Ok, (Btc, "90000")));

        pipeline.Book(Btc).Book().MarkPrice.ShouldBe(100_001);
        pipeline.Run(Limit(Btc, "a1", "o1", Side.Buy, "60000", "0.1")).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("price-outside-band");
    }

    [Fact]
    public void at_expiry_a_dated_future_becomes_expired_and_its_resting_orders_are_cancelled()
    {
        var pipeline = Pipeline();
        const string future = "BTC-26MAR27";
        pipeline.Run(Limit(future, "a1", "f1", Side.Buy, "49000", "0.1"));
        var expiry = InstrumentMapping.UnixNanos(new DateTimeOffset(2027, 3, 26, 8, 0, 0, TimeSpan.Zero));

        var events = pipeline.Run(Price("BTC", 1, expiry, PriceStatus.Ok));

        var futureEvents = events.Where(e => e.Market == future).ToList();
        futureEvents.ShouldContain(e => e.StatusChanged != null && e.StatusChanged.Status == "expired");
        var cancelled = futureEvents.Single(e => e.Cancelled != null);
        cancelled.Cancelled.Reason.ShouldBe("market-expired");
        cancelled.Cancelled.OrderId.ShouldBe("f1");
        cancelled.CommandId.ShouldBeEmpty();
        pipeline.Run(Limit(future, "a1", "f2", Side.Buy, "49000", "0.1", time: expiry + 1)).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("market-expired");
    }

    [Fact]
    public void a_good_till_time_order_expires_when_the_oracle_clock_passes_its_expiry()
    {
        var pipeline = Pipeline();
        pipeline.Run(Limit(Btc, "a1", "g1", Side.Buy, "49000", "0.1", tif: TimeInForce.Gtt, expireAt: T0 + 1_000));

        pipeline.Run(Price("BTC", 1, T0 + 999)).Where(e => e.Market == Btc).ShouldBeEmpty();
        var cancelled = pipeline.Run(Price("BTC", 2, T0 + 1_000)).Single(e => e.Market == Btc).Cancelled;

        cancelled.Reason.ShouldBe("expired");
        cancelled.OrderId.ShouldBe("g1");
    }

    [Fact]
    public void a_halt_stops_new_orders_and_keeps_the_book()
    {
        var pipeline = Pipeline();
        pipeline.Run(Limit(Btc, "a1", "o1", Side.Buy, "49000", "0.1"));
        var output = new List<MatchingEvent>();

        pipeline.Apply(Btc, new HaltInput(0, T0 + 1, "ops-alice", "exchange incident"), output);
        pipeline.Apply(Btc, new HaltInput(0, T0 + 2, "ops-alice", "exchange incident"), output);

        var status = output.ShouldHaveSingleItem().StatusChanged;
        status.Status.ShouldBe("halted");
        status.Reason.ShouldBe("halted by ops-alice: exchange incident");
        pipeline.Run(Limit(Btc, "a2", "o2", Side.Sell, "49000", "0.1", time: T0 + 3)).ShouldHaveSingleItem().Rejected.Reason.ShouldBe("market-halted");
        pipeline.Book(Btc).Book().Bids.ShouldHaveSingleItem().Remaining.ShouldBe(100);
    }
}
