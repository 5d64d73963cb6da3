using Clearing.EventSourcing.Sqlite;
using Clearing.Funding.Domain;
using Clearing.Funding.Integration;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Funding.Tests;

/// <summary>Governance → funding (FundingParametersGateway): the registry's funding cap from the first tick at or after its effective time.</summary>
public sealed class GovernedFundingTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Effective = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "funding-params-" + Guid.NewGuid().ToString("N"));

    public GovernedFundingTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task the_configured_cap_applies_before_the_effective_time_and_the_governed_cap_from_it()
    {
        await using var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        var feed = new ParameterFeed(store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(CancellationToken.None);
        var gateway = new FundingParametersGateway(feed, NullLogger<FundingParametersGateway>.Instance);
        var configured = FundingParameters.Default;
        var market = Market(cap: 0.003m);
        await feed.ApplyAsync(ParamsContract.ToProto(0, new ParametersChanged(market.SetId, market, Effective, Effective.AddMinutes(-10), "lower-cap", ChangeCause.Proposal, [])), CancellationToken.None);
        var effectiveNanos = ParameterTime.UnixNanos(Effective);

        gateway.At("BTC-PERP", effectiveNanos - 5_000_000_000, configured).ShouldBeSameAs(configured);
        gateway.At("BTC-PERP", effectiveNanos, configured).Cap.ShouldBe(0.003m);
        gateway.At("BTC-PERP", effectiveNanos, configured).Interval.ShouldBe(configured.Interval);
        gateway.At("ETH-PERP", effectiveNanos, configured).ShouldBeSameAs(configured);
    }

    [Fact]
    public void a_rate_fixed_under_the_governed_cap_is_capped_there_and_records_it()
    {
        var parameters = FundingParametersGateway.Apply(Market(cap: 0.001m), FundingParameters.Default);

        var fix = FundingRate.Fix(0.05m, parameters);

        fix.Capped.ShouldBeTrue();
        fix.Rate.ShouldBe(0.001m);
    }

    private static MarketParameters Market(decimal cap) => new(
        "BTC-PERP",
        [new MarginTier(1_000_000m, 0.02m, 0.012m), new MarginTier(null, 0.2m, 0.12m)],
        0.05m, 0.0001m, 0.0005m, cap, 3600, Halted: false);

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; a temp directory left behind is harmless.
        }

        return ValueTask.CompletedTask;
    }
}
