using System.Collections.Immutable;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;

namespace Clearing.Benchmarks.EventStore;

[EventType("bench.position-changed.v1")]
public sealed record BenchPositionChanged(string Account, string Market, decimal Size, decimal Price, string FillId);

/// <summary>An account-shaped state: balances and positions in immutable maps, like margin's Account.</summary>
public sealed record BenchAccount(ImmutableSortedDictionary<string, decimal> Positions, decimal Cash, long Fills)
{
    public static readonly BenchAccount Empty = new(ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal), 0m, 0);
}

/// <summary>
/// What a consumer pays per message to decide against an aggregate: load (snapshot + tail, or the cached state + an empty
/// tail read), decide, append — the repository's cache on versus off, same store, same run. The consumer touches 200
/// accounts in turn, like fills spread over traders; snapshots every 200 events as margin's default.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*AggregateCache*'
/// </summary>
[Config(typeof(EventStoreBenchmarkConfig))]
[MemoryDiagnoser]
public class AggregateCacheBenchmarks
{
    private const int Accounts = 200;
    private const int MessagesPerInvoke = 4_000;
    private static readonly EventSerializer Serializer = new(new EventTypeMap().Register<BenchPositionChanged>(), new JsonSerializerOptions(JsonSerializerDefaults.Web));
    private static readonly string[] Markets = ["BTC-PERP", "ETH-PERP", "SOL-PERP", "BTC-26MAR27"];

    private string _directory = string.Empty;
    private SqliteEventStore _store = null!;
    private AggregateRepository<BenchAccount> _repository = null!;
    private int _message;

    [Params(false, true)]
    public bool Cached { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "clearing-bench-aggregate-cache", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        var definition = new AggregateDefinition<BenchAccount>("bench", BenchAccount.Empty, Evolve) { SnapshotEvery = 200, CacheCapacity = Cached ? 10_000 : 0 };
        _repository = new AggregateRepository<BenchAccount>(_store, Serializer, definition);
        // Streams that already hold history, so an uncached load has a snapshot and a tail to read.
        for (var i = 0; i < Accounts * 150; i++)
        {
            await ApplyOneAsync();
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public async Task LoadDecideAppend()
    {
        for (var i = 0; i < MessagesPerInvoke; i++)
        {
            await ApplyOneAsync();
        }
    }

    private Task<IReadOnlyList<object>> ApplyOneAsync()
    {
        var n = _message++;
        var account = $"acct-{n % Accounts}";
        var market = Markets[n % Markets.Length];
        return _repository.ExecuteAsync(account, state =>
            [new BenchPositionChanged(account, market, state.Positions.GetValueOrDefault(market) + 0.01m, 50_000m + n % 100, $"fill-{n}")]);
    }

    private static BenchAccount Evolve(BenchAccount state, object e) => e is BenchPositionChanged p
        ? state with { Positions = state.Positions.SetItem(p.Market, p.Size), Cash = state.Cash - p.Size * p.Price / 1_000m, Fills = state.Fills + 1 }
        : state;
}
