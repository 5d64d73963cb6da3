using Clearing.Settlement.Application;

namespace Clearing.Cli.Tests;

/// <summary>`clearing replay settlement` time travel over an instrument's expiry, with settlement's own stored events.</summary>
public sealed class ReplaySettlementTests : IAsyncLifetime
{
    private const string Stream = "settlement-BTC-26MAR27";
    private const long Expiry = 1_805_875_200_000_000_000;

    private readonly ReplayModuleStore _store = new("settlement");
    private long _observed;

    public async Task InitializeAsync()
    {
        var serializer = SettlementSerialization.Serializer;
        await _store.AppendAsync(Stream, serializer, new IndexObserved("BTC-26MAR27", "BTC", 100, Expiry - 60_000_000_000, true, 60_000m, "oracle-BTC", 100));
        _observed = await _store.AppendAsync(Stream, serializer, new IndexObserved("BTC-26MAR27", "BTC", 101, Expiry - 30_000_000_000, true, 60_200m, "oracle-BTC", 101));
        await _store.AppendAsync(Stream, serializer, new SettlementPriceFixedRecorded("BTC-26MAR27", 60_100m, 60_100m, Expiry - 1_800_000_000_000, Expiry, 2, 60_000_000_000, Expiry + 1));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task an_expiry_shows_its_observations_without_a_price_before_the_fixing_and_the_price_after()
    {
        var observing = await _store.StateAsync(Stream, atVersion: _observed);
        var settled = await _store.StateAsync(Stream);

        observing["observations"]!.AsArray().Select(o => ReplayModuleStore.Decimal(o!["price"])).ShouldBe([60_000m, 60_200m]);
        observing["settlementPrice"].ShouldBeNull();
        observing["isFinal"]!.GetValue<bool>().ShouldBeFalse();
        ReplayModuleStore.Decimal(settled["settlementPrice"]).ShouldBe(60_100m);
        settled["isFinal"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task an_epoch_stream_is_listed_as_events_and_the_message_names_the_streams_settlement_folds()
    {
        await _store.AppendAsync("epoch-3", SettlementSerialization.Serializer, new EpochSealed(3, 42, "/tmp/statements", 0));

        var (exit, output, error) = await _store.TimeTravelAsync("epoch-3");

        exit.ShouldBe(0);
        output!["history"]!.AsArray().ShouldHaveSingleItem()!["type"]!.GetValue<string>().ShouldBe("settlement.epoch-sealed.v1");
        error.ShouldContain("settlement folds: settlement-{instrument}.");
    }
}
