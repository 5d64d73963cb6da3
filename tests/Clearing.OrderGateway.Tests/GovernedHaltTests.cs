using Clearing.EventSourcing.Sqlite;
using Clearing.OrderGateway.Domain.Rules;
using Clearing.OrderGateway.Integration;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.Primitives.Markets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.OrderGateway.Tests;

/// <summary>Governance → order gateway (GatewayParametersGateway): a governed halt takes effect at its effective time, not before.</summary>
public sealed class GovernedHaltTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Effective = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-params-" + Guid.NewGuid().ToString("N"));

    public GovernedHaltTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task a_market_halted_by_governance_is_open_until_the_effective_time_and_halted_from_it()
    {
        await using var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        var feed = new ParameterFeed(store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(CancellationToken.None);
        var clock = new SettableClock(Effective.AddTicks(-1));
        var views = new MarketViews(MarketCatalog.EmbeddedDefaults, clock, new GatewayParametersGateway(feed));
        await feed.ApplyAsync(Version(0, DateTimeOffset.UnixEpoch, halted: false), CancellationToken.None);
        await feed.ApplyAsync(Version(1, Effective, halted: true), CancellationToken.None);

        views.ContextOf("BTC-PERP")!.Status.ShouldBe(MarketStatus.Open);
        clock.Now = Effective;
        views.ContextOf("BTC-PERP")!.Status.ShouldBe(MarketStatus.Halted);
        views.ContextOf("ETH-PERP")!.Status.ShouldBe(MarketStatus.Open);
    }

    [Fact]
    public async Task a_command_is_judged_at_its_receive_time_not_at_the_clock_of_the_call()
    {
        await using var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        var feed = new ParameterFeed(store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(CancellationToken.None);
        var clock = new SettableClock(Effective.AddTicks(-1));
        var views = new MarketViews(MarketCatalog.EmbeddedDefaults, clock, new GatewayParametersGateway(feed));
        await feed.ApplyAsync(Version(0, DateTimeOffset.UnixEpoch, halted: false), CancellationToken.None);
        await feed.ApplyAsync(Version(1, Effective, halted: true), CancellationToken.None);

        views.ContextOf("BTC-PERP", Effective)!.Status.ShouldBe(MarketStatus.Halted);
        views.ContextOf("BTC-PERP", Effective.AddTicks(-1))!.Status.ShouldBe(MarketStatus.Open);
        views.ContextOf("BTC-PERP", Effective)!.Status.ShouldBe(MarketStatus.Halted);

        var dated = MarketCatalog.EmbeddedDefaults.All.First(m => m.Expiry is not null);
        views.ContextOf(dated.Symbol, dated.Expiry!.Value.AddTicks(-1))!.Status.ShouldBe(MarketStatus.Open);
        views.ContextOf(dated.Symbol, dated.Expiry!.Value)!.Status.ShouldBe(MarketStatus.Expired);
        views.ContextOf("NOT-LISTED", Effective).ShouldBeNull();
    }

    private static Clearing.Contracts.Governance.V1.ParamsChanged Version(long version, DateTimeOffset effectiveAt, bool halted)
    {
        var market = new MarketParameters("BTC-PERP", [new MarginTier(null, 0.2m, 0.12m)], 0.05m, 0.0001m, 0.0005m, 0.006m, 3600, halted);
        return ParamsContract.ToProto(version, new ParametersChanged(market.SetId, market, effectiveAt, effectiveAt, version == 0 ? "genesis" : "halt-btc-perp",
            version == 0 ? ChangeCause.Genesis : ChangeCause.Emergency, []));
    }

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

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
