using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Benchmarks.Settlement;

/// <summary>
/// Epoch close for 1,000,000 accounts: the Merkle sum tree (salts, account hashes, leaves, nodes, the invariant checks)
/// and then the statements (JSON lines and CSV, 16 shards, real files). Goal ≤ 10 s on the 2-core build machines.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*EpochCloseBenchmarks*'
/// </summary>
/// <remarks>
/// Baseline "HashLeavesOnly": SHA-256 of one million leaf-sized inputs on all cores and nothing else — the least any
/// tree over a million leaves costs, measured in the same run. Every account has two movements in the epoch (a deposit
/// and a trading fee), so each statement has an opening, two movements and a closing line.
/// </remarks>
[Config(typeof(EpochCloseBenchmarkConfig))]
[MemoryDiagnoser]
public class EpochCloseBenchmarks
{
    private const int Accounts = 1_000_000;
    private static readonly byte[] Secret = SHA256.HashData("benchmark secret"u8);

    private LedgerBook book = new();
    private string directory = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        book = new LedgerBook();
        var seq = 0L;
        for (var i = 0; i < Accounts; i++)
        {
            var account = $"acct-{i}";
            var amount = 100m + (i % 9973) + 0.125m;
            book.Apply(new LedgerEntryData($"d-{i}", ++seq, seq, LedgerEntryKind.Deposit,
                [new LedgerPosting(LedgerAccounts.External, "USDC", -amount), new LedgerPosting(account, "USDC", amount)], $"dep-{i}", ""));
        }

        for (var i = 0; i < Accounts; i++)
        {
            var fee = 0.05m + ((i % 7) * 0.01m);
            book.Apply(new LedgerEntryData($"f-{i}", ++seq, seq, LedgerEntryKind.TradingFee,
                [new LedgerPosting($"acct-{i}", "USDC", -fee), new LedgerPosting(LedgerAccounts.FeePool, "USDC", fee)], $"fill-{i}", "BTC-PERP"));
        }

        directory = Path.Combine(Path.GetTempPath(), "clearing-epoch-bench");
        Directory.CreateDirectory(directory);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(directory, recursive: true);

    [Benchmark(Baseline = true)]
    public int HashLeavesOnly()
    {
        var chunks = Accounts / 4096;
        Parallel.For(0, chunks + 1, c =>
        {
            Span<byte> input = stackalloc byte[1 + 32 + 1 + 12];
            Span<byte> output = stackalloc byte[32];
            for (var i = c * 4096; i < Math.Min(Accounts, (c + 1) * 4096); i++)
            {
                BitConverter.TryWriteBytes(input[1..], i);
                SHA256.HashData(input, output);
            }
        });
        return chunks;
    }

    [Benchmark]
    public string TreeOnly() => EpochCloser.Close(book, 1, 0, 1, Secret).Assets[0].RootHex;

    /// <summary>The statements alone: 1M accounts plus the external and fee-pool accounts with a million movements each (1.3 GB of files).</summary>
    [Benchmark]
    public long StatementsOnly() => WriteStatements(1);

    /// <summary>The same rendering into Stream.Null: the CPU cost of the statements without the 1.3 GB of file writes.</summary>
    [Benchmark]
    public long StatementsRenderOnly() => StatementBatchWriter.Write(book, 1, 0, 1, 16, _ => new StatementShardTargets(Stream.Null, Stream.Null));

    [Benchmark]
    public long TreeAndStatements()
    {
        var close = EpochCloser.Close(book, 1, 0, 1, Secret);
        return WriteStatements(close.Epoch) + close.Assets.Count;
    }

    // The host's own file streams (File.Create, 4 KiB buffer): the writer already hands them 1 MiB at a time.
    private long WriteStatements(long epoch) => StatementBatchWriter.Write(book, epoch, 0, 1, 16, shard => new StatementShardTargets(
        File.Create(Path.Combine(directory, $"statements-{shard:D3}.jsonl")),
        File.Create(Path.Combine(directory, $"statements-{shard:D3}.csv"))));
}

/// <summary>
/// Each invocation is one whole epoch close (seconds), so a few monitored iterations suffice. In-process: a generated
/// benchmark project would have to build while other work runs on the same two cores.
/// </summary>
public sealed class EpochCloseBenchmarkConfig : ManualConfig
{
    // A whole close under load can exceed the in-process toolchain's default time limit.
    public EpochCloseBenchmarkConfig() => AddJob(Job.Default
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true))
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(3)
        .WithInvocationCount(1)
        .WithUnrollFactor(1));
}
