using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Integration;

namespace Clearing.Cli.Tests;

/// <summary>`clearing replay oracle-ingest` time travel over oracle-BTC, with the oracle's own events and codec.</summary>
public sealed class ReplayOracleIngestTests : IAsyncLifetime
{
    private const string Stream = "oracle-BTC";
    private static readonly long T0 = ReplayModuleStore.T0.ToUnixTimeMilliseconds() * 1_000_000;

    private readonly ReplayModuleStore _store = new("oracle-ingest");
    private long _published;
    private DateTimeOffset _beforeTrip;

    public async Task InitializeAsync()
    {
        await _store.AppendAsync(Stream,
            OracleEventCodec.Encode(new ReportAccepted("BTC", "pub-1", "test", 60_000m, 5m, T0, 1, T0, "sig")),
            OracleEventCodec.Encode(new ReportAccepted("BTC", "pub-2", "test", 60_010m, 5m, T0, 1, T0, "sig")),
            OracleEventCodec.Encode(new ReportAccepted("BTC", "pub-3", "test", 60_020m, 5m, T0, 1, T0, "sig")));
        _published = await _store.AppendAsync(Stream,
            OracleEventCodec.Encode(new IndexPublished("BTC", 1, T0 + 1, IndexStatus.Ok, 60_010m, 60_010m, ["pub-1", "pub-2", "pub-3"], 0, [], [], "")));
        _beforeTrip = _store.Now;
        await _store.AppendAsync(Stream,
            OracleEventCodec.Encode(new CircuitBreakerTripped("BTC", T0 + 2, 60_010m, 60_010m, 45_000m, -0.25m, 0.1m, 60_000_000_000)),
            OracleEventCodec.Encode(new IndexPublished("BTC", 2, T0 + 2, IndexStatus.CircuitBreaker, 60_010m, 45_000m, ["pub-1", "pub-2", "pub-3"], 0, [], [], "circuit breaker tripped")));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task the_oracle_shows_its_index_and_publishers_before_the_breaker_trips_and_the_trip_after()
    {
        var ok = await _store.StateAsync(Stream, atVersion: _published);
        var tripped = await _store.StateAsync(Stream);

        ok["asset"]!.GetValue<string>().ShouldBe("BTC");
        ReplayModuleStore.Decimal(ok["lastIndex"]).ShouldBe(60_010m);
        ok["lastStatus"]!.GetValue<string>().ShouldBe("Ok");
        ok["breakerTripped"]!.GetValue<bool>().ShouldBeFalse();
        ok["window"]!.AsArray().ShouldNotBeEmpty();
        ReplayModuleStore.Decimal(ok["publishers"]!["pub-2"]!["quote"]!["price"]).ShouldBe(60_010m);
        tripped["breakerTripped"]!.GetValue<bool>().ShouldBeTrue();
        tripped["lastStatus"]!.GetValue<string>().ShouldBe("CircuitBreaker");
        ReplayModuleStore.Decimal(tripped["lastGoodIndex"]).ShouldBe(60_010m);
        tripped["priceSequence"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public async Task the_oracle_as_of_a_time_before_the_trip_is_not_tripped()
    {
        var state = await _store.StateAsync(Stream, atTime: _beforeTrip);

        state["breakerTripped"]!.GetValue<bool>().ShouldBeFalse();
        state["priceSequence"]!.GetValue<long>().ShouldBe(1);
    }
}
