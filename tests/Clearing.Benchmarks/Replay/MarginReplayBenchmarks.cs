using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Cli.Commands.Replay;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Primitives.Markets;

namespace Clearing.Benchmarks.Replay;

/// <summary>
/// `clearing replay --service margin` speed (issue goal: ≥ 200k events/s rebuilt from SQLite). The store holds a
/// realistic margin history written by the domain itself: 2 000 accounts, deposits, then 250 000 BTC/ETH fills, each
/// a PositionChanged (ledger lines: realized PnL, fee) plus the inbox record in both accounts' streams: 1 002 000 events
/// (generated once per machine into the temp directory, see <see cref="MarginHistory.OpenCachedAsync"/>). Measured in the same run:
/// <list type="bullet">
/// <item>OldRebuild (baseline): the rebuild loop before session 4: page through $all, decode with margin's serializer
/// (PositionChanged through System.Text.Json), fold both projections, all on one thread;</item>
/// <item>NewRebuild: ReplayRunner.FoldAsync: read and decode (hand-read PositionChanged) on one stage, fold on another;</item>
/// <item>ReadAll, ReadAndDeserialize, ReadAndDecode: the parts (raw read; plus the old decode; plus the new decode);</item>
/// <item>ReplayCommandIntoFreshStore: the whole command with --out: fold, write every rebuilt row into a fresh SQLite
/// file, read them back and diff against the live ledger-main (absent here: every ledger row is a difference, exit 4).</item>
/// </list>
/// Each op is one stored event: events/s = 1e9 / (ns per op).
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*MarginReplayBenchmarks*'
/// </summary>
[Config(typeof(ReplayBenchmarkConfig))]
[MemoryDiagnoser]
public class MarginReplayBenchmarks
{
    private const int Page = 4096;

    private string _directory = string.Empty;
    private SqliteEventStore _store = null!;
    private long _events;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "clearing-replay-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        (_store, _events) = await MarginHistory.OpenCachedAsync();
        Console.WriteLine($"// margin history: {_events:N0} events in {MarginHistory.Accounts:N0} account streams");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = MarginHistory.ExpectedEvents)]
    public async Task<long> OldRebuild()
    {
        var decoder = new MarginDecoder(readPositionsByHand: false);
        IReplayProjection[] projections = [new MarginAccountsProjection(decoder), new MarginLedgerProjection(decoder)];
        long read = 0;
        await foreach (var recorded in ReadAllAsync())
        {
            foreach (var projection in projections)
            {
                projection.Apply(recorded);
            }
            read++;
        }
        return Check(read);
    }

    [Benchmark(OperationsPerInvoke = MarginHistory.ExpectedEvents)]
    public async Task<long> NewRebuild()
    {
        var module = new MarginReplayModule();
        var read = await ReplayRunner.FoldAsync(_store, module, module.CreateProjections(), 1, _events, new Dictionary<string, long>(StringComparer.Ordinal), _ => { }, CancellationToken.None);
        return Check(read);
    }

    [Benchmark(OperationsPerInvoke = MarginHistory.ExpectedEvents)]
    public async Task<long> ReadAll()
    {
        long read = 0;
        await foreach (var recorded in ReadAllAsync())
        {
            read += recorded.Data.Length > 0 ? 1 : 0;
        }
        return Check(read);
    }

    [Benchmark(OperationsPerInvoke = MarginHistory.ExpectedEvents)]
    public async Task<long> ReadAndDeserialize()
    {
        var decoder = new MarginDecoder(readPositionsByHand: false);
        long read = 0;
        await foreach (var recorded in ReadAllAsync())
        {
            read += decoder.Read(recorded) is null ? 0 : 1;
        }
        return Check(read);
    }

    [Benchmark(OperationsPerInvoke = MarginHistory.ExpectedEvents)]
    public async Task<long> ReadAndDecode()
    {
        var decoder = new MarginDecoder();
        long read = 0;
        await foreach (var recorded in ReadAllAsync())
        {
            read += decoder.Read(recorded) is null ? 0 : 1;
        }
        return Check(read);
    }

    [Benchmark(OperationsPerInvoke = MarginHistory.ExpectedEvents)]
    public async Task<int> ReplayCommandIntoFreshStore()
    {
        var file = new FileInfo(Path.Combine(_directory, "rebuilt-" + Guid.NewGuid().ToString("N") + ".db"));
        var exit = await ReplayRunner.RunAsync(_store, new MarginReplayModule(),
            new ReplayOptions { Service = "margin", OutputStore = file, Json = true }, TextWriter.Null, TextWriter.Null, interactive: false, CancellationToken.None);
        file.Delete();
        // No ledger-main in this store: every rebuilt ledger row is a difference (exit 4), as on a store whose projector never ran.
        return exit == ReplayRunner.Differs ? exit : throw new InvalidOperationException($"replay exited {exit}, expected {ReplayRunner.Differs}");
    }

    private long Check(long read) => read == _events ? read : throw new InvalidOperationException($"read {read} events, the store holds {_events}");

    private async IAsyncEnumerable<RecordedEvent> ReadAllAsync()
    {
        var position = 1L;
        while (true)
        {
            var read = 0;
            await foreach (var recorded in _store.ReadAllAsync(position, Page))
            {
                read++;
                position = recorded.GlobalPosition + 1;
                yield return recorded;
            }
            if (read < Page)
            {
                yield break;
            }
        }
    }
}

/// <summary>A margin store as the service writes it, generated with the domain's decider (deterministic: fixed seed).</summary>
internal static class MarginHistory
{
    public const int Accounts = 2_000;
    public const int Fills = 250_000;

    /// <summary>What <see cref="WriteAsync"/> produces for <see cref="Accounts"/> and <see cref="Fills"/> (checked when generated).</summary>
    public const int ExpectedEvents = 1_002_000;

    /// <summary>
    /// The benchmark store, generated on first use into the temp directory and reused afterwards (generation takes
    /// minutes; it is deterministic, so a cached copy is the same store). Written under a temporary name and renamed.
    /// </summary>
    public static string CachedFile => Path.Combine(Path.GetTempPath(), "clearing-replay-bench", $"margin-{Accounts}x{Fills}.db");

    public static async Task<(SqliteEventStore Store, long Events)> OpenCachedAsync()
    {
        var file = CachedFile;
        if (!File.Exists(file))
        {
            await GenerateAsync(file, Accounts, Fills);
        }
        var store = new SqliteEventStore(new SqliteEventStoreOptions(file));
        var events = await store.GetHeadPositionAsync();
        if (events != ExpectedEvents)
        {
            await store.DisposeAsync();
            throw new InvalidOperationException($"{file} holds {events} events, not {ExpectedEvents}: delete it to regenerate");
        }
        return (store, events);
    }

    /// <summary>
    /// Writes a margin store of <paramref name="accounts"/> accounts and <paramref name="fills"/> fills to <paramref name="file"/>;
    /// <paramref name="withLedgerMain"/> also numbers every ledger line into ledger-main afterwards, as margin's
    /// LedgerProjector does, so a replay's ledger diff has a live side to match.
    /// </summary>
    public static async Task<long> GenerateAsync(string file, int accounts, int fills, bool withLedgerMain = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var partial = file + ".partial";
        foreach (var leftover in new[] { partial, partial + "-wal", partial + "-shm" })
        {
            File.Delete(leftover);
        }
        long written;
        var store = new SqliteEventStore(new SqliteEventStoreOptions(partial));
        await using (store)
        {
            written = await WriteAsync(store, accounts, fills);
            if (withLedgerMain)
            {
                written += await WriteLedgerMainAsync(store, written);
            }
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Move(partial, file);
        return written;
    }

    private static async Task<long> WriteLedgerMainAsync(IEventStore store, long head)
    {
        var ledger = new MarginLedgerProjection();
        await foreach (var recorded in store.ReadAllAsync(1, (int)head))
        {
            ledger.Apply(recorded);
        }
        long written = 0;
        foreach (var chunk in ledger.Entries.Chunk(1_000))
        {
            await store.AppendAsync(MarginLedgerProjection.LedgerStream, ExpectedVersion.Any, chunk.Select(e => MarginEventTypes.Serializer.Serialize(e)).ToList());
            written += chunk.Length;
        }
        return written;
    }

    public static async Task<long> WriteAsync(IEventStore store, int accounts, int fills)
    {
        var decider = new AccountDecider(new RiskCalculator(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default));
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var prices = new RiskPrices().WithIndex("BTC", 60_000m, stale: false, 1, at).WithMark("BTC-PERP", 60_000m)
            .WithIndex("ETH", 3_000m, stale: false, 1, at).WithMark("ETH-PERP", 3_000m);
        var states = new Account[accounts];
        var pending = new List<object>[accounts];
        long written = 0;
        for (var i = 0; i < accounts; i++)
        {
            states[i] = Account.Empty($"acct-{i}");
            pending[i] = [];
            Decide(i, decider.Decide(states[i], new Deposit($"acct-{i}", "USDC", 1_000_000m, $"seed-{i}", at), prices));
        }

        var random = new Random(7);
        for (var f = 0; f < fills; f++)
        {
            var buyer = random.Next(accounts);
            var seller = (buyer + 1 + random.Next(accounts - 1)) % accounts;
            var (market, price) = f % 3 == 0 ? ("ETH-PERP", 3_000m + random.Next(-50, 50)) : ("BTC-PERP", 60_000m + random.Next(-500, 500));
            var quantity = (random.Next(1, 20)) / 10m;
            var source = new MessageSource($"book-{market}", f + 1);
            foreach (var (owner, sign, fee) in new[] { (buyer, 1m, 0.0003m), (seller, -1m, -0.0001m) })
            {
                var side = new FillSide($"acct-{owner}", market, $"{market}:{f}", sign * quantity, price, Math.Round(quantity * price * fee, 6), "USDC", false, 0m);
                Decide(owner, decider.Decide(states[owner], new BookFill([side], source, at), prices));
            }
            if (f % 1_000 == 999)
            {
                await FlushAsync();
            }
        }
        await FlushAsync();
        return written;

        void Decide(int owner, IReadOnlyList<object> events)
        {
            states[owner] = AccountDecider.Fold(states[owner], events);
            pending[owner].AddRange(events);
        }

        async Task FlushAsync()
        {
            for (var i = 0; i < accounts; i++)
            {
                if (pending[i].Count == 0)
                {
                    continue;
                }
                await store.AppendAsync($"account-acct-{i}", ExpectedVersion.Any, pending[i].Select(e => MarginEventTypes.Serializer.Serialize(e)).ToList());
                written += pending[i].Count;
                pending[i].Clear();
            }
        }
    }
}

/// <summary>
/// Each invocation is a full pass over the 1M-event store (5-10 s on a quiet machine, minutes on a loaded one), so two
/// monitored iterations in-process suffice (the pass is long enough for tiered JIT to settle inside it), with a timeout
/// long enough for a machine shared with other builds.
/// </summary>
public sealed class ReplayBenchmarkConfig : ManualConfig
{
    public ReplayBenchmarkConfig() => AddJob(Job.Default
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true))
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(0)
        .WithIterationCount(2)
        .WithInvocationCount(1)
        .WithUnrollFactor(1));
}
