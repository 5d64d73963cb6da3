using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Postgres;
using Clearing.EventSourcing.Sqlite;
using Npgsql;

namespace Clearing.Benchmarks.EventStore;

/// <summary>
/// Append (batches of 100) and read-$all throughput for both adapters in one run, so the figures compare.
/// Run: CLEARING_TEST_POSTGRES="Host=127.0.0.1;Username=clearing;Password=clearing-tests;Database=clearing_tests"
///      dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*EventStoreBenchmarks*'
/// Each op is one event: BenchmarkDotNet reports time per event; events/s = 1e9 / ns.
/// </summary>
[Config(typeof(EventStoreBenchmarkConfig))]
[MemoryDiagnoser]
public class EventStoreBenchmarks
{
    private const int BatchSize = 100;
    private const int BatchesPerInvoke = 200;
    private const int ReadEvents = 200_000;

    private IEventStore _store = null!;
    private EventData[][] _batches = null!;
    private string _directory = string.Empty;
    private int _stream;

    [Params("sqlite", "postgres")]
    public string Adapter { get; set; } = "sqlite";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _store = await OpenAsync();
        _batches = Enumerable.Range(0, BatchesPerInvoke).Select(_ => Batch()).ToArray();
        for (var i = 0; i < ReadEvents / BatchSize; i++)
        {
            await _store.AppendAsync($"seed-{i}", ExpectedVersion.NoStream, Batch());
        }
    }

    [IterationSetup(Target = nameof(AppendBatchesOf100))]
    public void FreshEventIds() => _batches = Enumerable.Range(0, BatchesPerInvoke).Select(_ => Batch()).ToArray();

    [Benchmark(OperationsPerInvoke = BatchSize * BatchesPerInvoke)]
    public async Task AppendBatchesOf100()
    {
        foreach (var batch in _batches)
        {
            await _store.AppendAsync($"bench-{Interlocked.Increment(ref _stream)}", ExpectedVersion.NoStream, batch);
        }
    }

    [Benchmark(OperationsPerInvoke = ReadEvents)]
    public async Task<long> ReadAll()
    {
        long last = 0;
        long from = 1;
        var read = 0;
        while (read < ReadEvents)
        {
            await foreach (var e in _store.ReadAllAsync(from, 10_000))
            {
                last = e.GlobalPosition;
                read++;
                if (read == ReadEvents)
                {
                    break;
                }
            }

            from = last + 1;
        }

        return last;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await ((IAsyncDisposable)_store).DisposeAsync();
        if (_directory.Length > 0 && Directory.Exists(_directory))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task<IEventStore> OpenAsync()
    {
        if (Adapter == "sqlite")
        {
            _directory = Path.Combine(Path.GetTempPath(), "clearing-bench-" + Guid.NewGuid().ToString("N"));
            return new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        }

        var connectionString = Environment.GetEnvironmentVariable("CLEARING_TEST_POSTGRES")
            ?? throw new InvalidOperationException("Set CLEARING_TEST_POSTGRES (tests/run.sh prints how) to benchmark PostgreSQL.");
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..8];
        await using (var source = NpgsqlDataSource.Create(connectionString))
        await using (var drop = source.CreateCommand("DO $$ DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_%' LOOP EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; END $$"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        return await PostgresEventStore.OpenAsync(new PostgresEventStoreOptions(connectionString) { Schema = schema });
    }

    private static EventData[] Batch() => Enumerable.Range(0, BatchSize).Select(i => new EventData(
        Guid.NewGuid(), "bench.position-changed.v1", 1,
        Encoding.UTF8.GetBytes($"{{\"account\":\"a{i}\",\"market\":\"BTC-PERP\",\"size\":\"1.250\",\"entry\":\"50000.5\",\"fee\":\"0.0125\"}}"),
        default, Guid.NewGuid(), null)).ToArray();
}

/// <summary>
/// Each invocation is a long, self-timed batch (20k appends or a 200k-event scan), so a few monitored iterations
/// suffice. In-process: the store is what is measured, not a freshly generated host project.
/// </summary>
public sealed class EventStoreBenchmarkConfig : ManualConfig
{
    public EventStoreBenchmarkConfig() => AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(6)
        .WithInvocationCount(1)
        .WithUnrollFactor(1));
}
