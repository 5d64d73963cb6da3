using Clearing.Funding.Application;
using Clearing.Funding.Domain;

namespace Clearing.Cli.Tests;

/// <summary>`clearing replay funding` time travel over a market's funding stream, with funding's own stored events.</summary>
public sealed class ReplayFundingTests : IAsyncLifetime
{
    private const string Stream = "funding-BTC-PERP";
    private const long Hour = 3_600_000_000_000;

    private readonly ReplayModuleStore _store = new("funding");
    private long _secondSample;
    private DateTimeOffset _afterFirstSample;

    public async Task InitializeAsync()
    {
        var interval = 1_000 * Hour;
        await Append(new PremiumSampled("BTC-PERP", interval + 60_000_000_000, interval, 50_000m, 50_050m, 50_040m, 50_060m, 0.001m));
        _afterFirstSample = _store.Now;
        _secondSample = await Append(new PremiumSampled("BTC-PERP", interval + 120_000_000_000, interval, 50_100m, 50_250m, 50_240m, 50_260m, 0.003m));
        await Append(new FundingRateFixed("BTC-PERP", 1, interval, interval + Hour, 2, 0.002m, 0.0000125m, 0.0020125m, 0.0020125m, false, 0.04m, 0.0001m, 50_100m, 50_250m));
    }

    private Task<long> Append(object domainEvent) => _store.AppendAsync(Stream, FundingStoredEvents.Serializer, FundingStoredEvents.ToStored(domainEvent));

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task a_funding_market_shows_its_open_interval_samples_before_the_rate_is_fixed_and_none_after()
    {
        var sampling = await _store.StateAsync(Stream, atVersion: _secondSample);
        var fixedRate = await _store.StateAsync(Stream);

        sampling["market"]!.GetValue<string>().ShouldBe("BTC-PERP");
        sampling["samples"]!.GetValue<int>().ShouldBe(2);
        ReplayModuleStore.Decimal(sampling["premiumSum"]).ShouldBe(0.004m);
        ReplayModuleStore.Decimal(sampling["lastIndexPrice"]).ShouldBe(50_100m);
        sampling["ratesFixed"]!.GetValue<long>().ShouldBe(0);
        sampling["openIntervalStartUnixNanos"]!.GetValue<long>().ShouldBe(1_000 * Hour);
        fixedRate["samples"]!.GetValue<int>().ShouldBe(0);
        fixedRate["ratesFixed"]!.GetValue<long>().ShouldBe(1);
        fixedRate["openIntervalStartUnixNanos"]!.GetValue<long>().ShouldBe(FundingMarketState.None);
    }

    [Fact]
    public async Task a_funding_market_as_of_a_time_has_only_the_samples_taken_by_then()
    {
        var state = await _store.StateAsync(Stream, atTime: _afterFirstSample);

        state["samples"]!.GetValue<int>().ShouldBe(1);
        ReplayModuleStore.Decimal(state["premiumSum"]).ShouldBe(0.001m);
    }

    [Fact]
    public async Task a_dry_run_republish_goes_through_fundings_translator_and_publishes_only_the_fixed_rate()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new Clearing.Cli.Commands.Replay.ReplayOptions { Service = "funding", Mode = Clearing.Cli.Commands.Replay.ReplayMode.Republish, DryRun = true, Json = true };

        var exit = await Clearing.Cli.Commands.Replay.ReplayRunner.RunAsync(_store.Store, Clearing.Cli.Commands.Replay.ReplayModules.For("funding"), options,
            output, error, interactive: false, CancellationToken.None);

        exit.ShouldBe(0, error.ToString());
        var message = System.Text.Json.Nodes.JsonNode.Parse(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem())!;
        message["topic"]!.GetValue<string>().ShouldBe(Clearing.Contracts.Topics.FundingEvents);
        message["key"]!.GetValue<string>().ShouldBe("BTC-PERP");
        message["type"]!.GetValue<string>().ShouldBe(Clearing.Funding.Integration.FundingOutboxTranslator.RateSetType);
        message["stream"]!.GetValue<string>().ShouldBe(Stream);
    }

    [Fact]
    public async Task a_rebuild_of_funding_counts_its_events_and_says_there_is_no_read_model_but_streams_to_show()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new Clearing.Cli.Commands.Replay.ReplayOptions { Service = "funding", Json = true };

        var exit = await Clearing.Cli.Commands.Replay.ReplayRunner.RunAsync(_store.Store, Clearing.Cli.Commands.Replay.ReplayModules.For("funding"), options,
            output, error, interactive: false, CancellationToken.None);

        exit.ShouldBe(0, error.ToString());
        var report = System.Text.Json.Nodes.JsonNode.Parse(output.ToString())!;
        report["projections"]!.AsArray().ShouldBeEmpty();
        report["types"]!["funding.premium-sampled.v1"]!.GetValue<long>().ShouldBe(2);
        error.ToString().ShouldContain("funding keeps no read model to rebuild (only margin does)");
        error.ToString().ShouldContain("funding folds: funding-{market}.");
    }
}
