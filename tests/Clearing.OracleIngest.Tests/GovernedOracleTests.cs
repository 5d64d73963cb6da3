using Clearing.EventSourcing.Sqlite;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.OracleIngest.Integration;
using Clearing.OracleIngest.Options;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Microsoft.Extensions.Logging.Abstractions;
using NSec.Cryptography;
using GovernedOracle = Clearing.Parameters.OracleParameters;
using OracleParameters = Clearing.OracleIngest.Domain.OracleParameters;

namespace Clearing.OracleIngest.Tests;

/// <summary>Governance → oracle-ingest (OracleParametersGateway): the registry's "oracle" set over the configuration, from its effective time.</summary>
public sealed class GovernedOracleTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Effective = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "oracle-params-" + Guid.NewGuid().ToString("N"));
    private readonly List<Key> _keys = [];

    public GovernedOracleTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public void the_governed_rules_replace_quorum_mad_k_breaker_band_and_staleness_and_keep_the_rest()
    {
        var configured = new OracleParameters { Quorum = 2, MaxConfidenceFraction = 0.03m, MarkMarkets = ["BTC-PERP"] };

        var applied = OracleParametersGateway.Apply(Governed(quorum: 3, ["pub-1", "pub-2", "pub-3", "pub-4"]) with { MadK = 4m, CircuitBreakerBand = 0.08m, MaxStalenessSeconds = 5 }, configured);

        applied.Quorum.ShouldBe(3);
        applied.OutlierMadMultiple.ShouldBe(4m);
        applied.BreakerBand.ShouldBe(0.08m);
        applied.StalenessNanos.ShouldBe(5 * Nanos.PerSecond);
        applied.MaxConfidenceFraction.ShouldBe(0.03m);
        applied.MarkMarkets.ShouldBe(["BTC-PERP"]);
    }

    [Fact]
    public void a_pulled_publisher_is_out_of_the_registry_and_configured_asset_lists_and_feeds_stay()
    {
        var configured = new PublisherRegistry([
            new Publisher("pub-1", NewKey().PublicKey, new HashSet<string>(["BTC"], StringComparer.Ordinal)),
            new Publisher("pub-9", NewKey().PublicKey, new HashSet<string>(StringComparer.Ordinal)),
            new Publisher("binance", null, new HashSet<string>(StringComparer.Ordinal)),
        ]);

        var registry = OracleParametersGateway.Registry(Governed(quorum: 2, ["pub-1", "pub-2", "pub-3"]), configured);

        registry.All.Select(p => p.Id).Order(StringComparer.Ordinal).ShouldBe(["binance", "pub-1", "pub-2", "pub-3"]);
        registry.TryGet("pub-1", out var restricted).ShouldBeTrue();
        restricted.Assets.ShouldBe(["BTC"]);
        registry.TryGet("pub-9", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task the_configuration_applies_until_the_effective_time_and_the_registry_from_it()
    {
        await using var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        var feed = new ParameterFeed(store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(CancellationToken.None);
        var gateway = new OracleParametersGateway(feed, Microsoft.Extensions.Options.Options.Create(new OracleIngestOptions()));
        var configured = new OracleParameters();
        var governed = Governed(quorum: 2, ["pub-1", "pub-2", "pub-3"]);
        await feed.ApplyAsync(ParamsContract.ToProto(0, new ParametersChanged(governed.SetId, governed, Effective, Effective.AddMinutes(-5), "pull-pub-4", ChangeCause.Proposal, [])), CancellationToken.None);

        var before = gateway.At(Nanos.From(Effective) - 100, configured);
        var at = gateway.At(Nanos.From(Effective), configured);

        before.Parameters.ShouldBeSameAs(configured);
        before.Publishers.All.ShouldBeEmpty();
        at.Parameters.Quorum.ShouldBe(2);
        at.Publishers.All.Select(p => p.Id).Order(StringComparer.Ordinal).ShouldBe(["pub-1", "pub-2", "pub-3"]);
        gateway.At(Nanos.From(Effective.AddHours(1)), configured).Publishers.ShouldBeSameAs(at.Publishers);
    }

    private GovernedOracle Governed(int quorum, IReadOnlyList<string> publishers) =>
        new(publishers.Select(id => new OraclePublisher(id, Convert.ToBase64String(NewKey().PublicKey.Export(KeyBlobFormat.RawPublicKey)))).ToList(), quorum, 5m, 0.1m, 10);

    private Key NewKey()
    {
        var key = Key.Create(SignatureAlgorithm.Ed25519);
        _keys.Add(key);
        return key;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }

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
