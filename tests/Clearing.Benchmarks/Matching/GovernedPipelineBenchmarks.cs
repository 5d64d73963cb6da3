extern alias matching;

using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing.Sqlite;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.Primitives.Markets;
using matching::Clearing.Matching.Application;
using matching::Clearing.Matching.Integration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Benchmarks.Matching;

/// <summary>
/// What asking governance costs matching's hot path: the host pipeline (order command → book → public events) with and
/// without a registry holding a version in force for the market, which every command consults at its own time.
/// One op is one command; the flow is a resting sell then a crossing buy (one fill), so the book stays small.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*GovernedPipeline*'
/// </summary>
[Config(typeof(GovernedPipelineBenchmarkConfig))]
[MemoryDiagnoser]
public class GovernedPipelineBenchmarks
{
    private const int Pairs = 4_096;
    private readonly List<MatchingEvent> _output = new(64);
    private MatchingPipeline _pipeline = null!;
    private OrderCommand[] _commands = [];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "governed-pipeline-bench-" + Guid.NewGuid().ToString("N"));
    private SqliteEventStore? _store;
    private long _round;

    [Params(false, true)]
    public bool Governed { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        MatchingParametersGateway? governance = null;
        if (Governed)
        {
            // The service's own gateway over a ParameterFeed holding one version in force, as after start-up.
            Directory.CreateDirectory(_directory);
            _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
            var feed = new ParameterFeed(_store, NullLogger<ParameterFeed>.Instance);
            feed.LoadAsync(CancellationToken.None).GetAwaiter().GetResult();
            var effective = DateTimeOffset.UnixEpoch.AddSeconds(1);
            var parameters = new MarketParameters("BTC-PERP", [new MarginTier(null, 0.02m, 0.012m)], 0.05m, 0.0002m, 0.0006m, 0.006m, 3600, false);
            feed.ApplyAsync(ParamsContract.ToProto(0, new ParametersChanged(parameters.SetId, parameters, effective, effective, "bench", ChangeCause.Genesis, [])),
                CancellationToken.None).GetAwaiter().GetResult();
            governance = new MatchingParametersGateway(feed, NullLogger<MatchingParametersGateway>.Instance);
        }
        _pipeline = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions { RememberedCommandIds = 1_000 }, governance);
        _commands = new OrderCommand[Pairs * 2];
        for (var i = 0; i < Pairs; i++)
        {
            _commands[2 * i] = Place("mk", Side.Sell);
            _commands[(2 * i) + 1] = Place("tk", Side.Buy);
        }
    }

    [Benchmark(OperationsPerInvoke = Pairs * 2)]
    public int Commands()
    {
        // Each round renames its commands and orders: the books remember command ids and client order ids.
        var round = ++_round;
        var time = 2_000_000_000L + (round * Pairs * 2);
        var events = 0;
        for (var i = 0; i < _commands.Length; i++)
        {
            var command = _commands[i];
            command.CommandId = string.Create(CultureInfo.InvariantCulture, $"{round}-{i}");
            command.Place.OrderId = command.CommandId;
            command.TimeUnixNanos = time + i;
            _output.Clear();
            _pipeline.Apply(command, _output);
            events += _output.Count;
        }
        _pipeline.TakePending();
        return events;
    }

    private static OrderCommand Place(string account, Side side) => new()
    {
        Market = "BTC-PERP", AccountId = account, Origin = Origin.Trader,
        Place = new PlaceOrder { Side = side, Kind = OrderKind.Limit, Price = "50000", Quantity = "0.01", TimeInForce = TimeInForce.Gtc },
    };

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_store is not null)
        {
            _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Directory.Delete(_directory, recursive: true);
        }
    }
}

/// <summary>In-process (no generated project to build while other builds change the tree), 2 warm-ups, 5 iterations.</summary>
public sealed class GovernedPipelineBenchmarkConfig : ManualConfig
{
    public GovernedPipelineBenchmarkConfig() => AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(2)
        .WithIterationCount(5));
}
