using Clearing.Contracts.Funding.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.EventSourcing;
using Clearing.Funding.Application;
using Clearing.Funding.Domain;
using Clearing.Funding.Integration;
using Clearing.Primitives.Markets;

namespace Clearing.Funding.Tests.Host;

public sealed class HostPartsTests
{
    private const long Second = 1_000_000_000L;

    [Fact]
    public void every_perpetual_gets_the_defaults_with_its_overrides()
    {
        var options = new FundingOptions
        {
            Defaults = new FundingMarketOptions { Cap = 0.004m },
            Markets = { ["ETH-PERP"] = new FundingMarketOptions { ImpactNotional = 10_000m } },
        };

        var resolved = options.Resolve(MarketCatalog.EmbeddedDefaults);

        resolved.Keys.ShouldBe(["BTC-PERP", "ETH-PERP"]);
        resolved["BTC-PERP"].ShouldBe(FundingParameters.Default with { Cap = 0.004m });
        resolved["ETH-PERP"].ShouldBe(FundingParameters.Default with { Cap = 0.004m, ImpactNotional = 10_000m });
    }

    [Fact]
    public void overrides_for_unknown_or_dated_markets_and_bad_values_stop_start_up_naming_the_key()
    {
        var options = new FundingOptions
        {
            Markets =
            {
                ["DOGE-PERP"] = new FundingMarketOptions(),
                ["BTC-26MAR27"] = new FundingMarketOptions(),
                ["ETH-PERP"] = new FundingMarketOptions { Cap = 2m },
            },
        };

        var message = Should.Throw<InvalidOperationException>(() => options.Resolve(MarketCatalog.EmbeddedDefaults)).Message;

        message.ShouldContain("Funding:Markets:DOGE-PERP names a market that is not in the catalog");
        message.ShouldContain("Funding:Markets:BTC-26MAR27 is a Future");
        message.ShouldContain("Funding:Markets:ETH-PERP: Cap must be in (0, 1)");
    }

    [Fact]
    public void only_a_fresh_ok_index_is_usable()
    {
        var prices = new IndexPrices();
        prices.Apply(new PriceUpdate { Asset = "BTC", Sequence = 2, TimeUnixNanos = 100 * Second, Status = PriceStatus.Ok, IndexPrice = "30000.5", Marks = { new MarkPrice { Market = "BTC-PERP", MarkPrice_ = "30001" } } });

        var quote = prices.Usable("BTC", 110 * Second, TimeSpan.FromSeconds(30)).ShouldNotBeNull();
        quote.IndexPrice.ShouldBe(30_000.5m);
        quote.Marks["BTC-PERP"].ShouldBe(30_001m);
        prices.Usable("BTC", 131 * Second, TimeSpan.FromSeconds(30)).ShouldBeNull();
        prices.Usable("ETH", 110 * Second, TimeSpan.FromSeconds(30)).ShouldBeNull();

        // A late, older update does not replace the newer one; a newer stale one makes the index unusable.
        prices.Apply(new PriceUpdate { Asset = "BTC", Sequence = 1, TimeUnixNanos = 105 * Second, Status = PriceStatus.Ok, IndexPrice = "1" });
        prices.Usable("BTC", 110 * Second, TimeSpan.FromSeconds(30))!.IndexPrice.ShouldBe(30_000.5m);
        prices.Apply(new PriceUpdate { Asset = "BTC", Sequence = 3, TimeUnixNanos = 106 * Second, Status = PriceStatus.Stale, IndexPrice = "30000.5" });
        prices.Usable("BTC", 110 * Second, TimeSpan.FromSeconds(30)).ShouldBeNull();
    }

    [Fact]
    public void a_fixed_rate_is_published_as_funding_rate_set_and_a_sample_stays_private()
    {
        var rate = new FundingRateFixed("BTC-PERP", 7, 3_600 * Second, 7_200 * Second, 720, 0.0001m, -0.0000625m, 0.0000375m, 0.0000375m, false, 0.006m, 0.0000125m, 30_000m, 30_010.5m);
        var translator = new FundingOutboxTranslator();

        var message = translator.Translate(Recorded(FundingRateFixedV1.From(rate), version: 12)).ShouldNotBeNull();
        var sample = translator.Translate(Recorded(new PremiumSampledV1("BTC-PERP", 0, 0, 1m, null, null, null, 0m), version: 13));

        sample.ShouldBeNull();
        message.Topic.ShouldBe("clearing.funding.events.v1");
        message.Key.ShouldBe("BTC-PERP");
        message.SourceStream.ShouldBe("funding-BTC-PERP");
        message.SourceSequence.ShouldBe(12);
        var published = FundingEvent.Parser.ParseFrom(message.Payload);
        published.Sequence.ShouldBe(7);
        published.TimeUnixNanos.ShouldBe(7_200 * Second);
        published.RateSet.Rate.ShouldBe("0.0000375");
        published.RateSet.PremiumAverage.ShouldBe("0.0001");
        published.RateSet.InterestComponent.ShouldBe("-0.0000625");
        published.RateSet.Samples.ShouldBe(720);
        published.RateSet.MarkPrice.ShouldBe("30010.5");
        published.RateSet.Cap.ShouldBe("0.006");
    }

    [Fact]
    public void the_funding_state_round_trips_through_its_snapshot_json()
    {
        var state = new FundingMarketState("BTC-PERP", 3_600 * Second, 12, 0.0012m, 3_655 * Second, 4, 30_000.5m, 30_001m);

        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, FundingStoredEvents.Serializer.Options);

        System.Text.Json.JsonSerializer.Deserialize<FundingMarketState>(json, FundingStoredEvents.Serializer.Options).ShouldBe(state);
    }

    private static RecordedEvent Recorded(object stored, long version)
    {
        var data = FundingStoredEvents.Serializer.Serialize(stored);
        return new RecordedEvent("funding-BTC-PERP", version, version + 1, data.EventId, data.Type, data.SchemaVersion, data.Data, default, DateTimeOffset.UnixEpoch, null, null, default, default);
    }
}
