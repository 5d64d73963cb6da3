using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;

namespace Clearing.Benchmarks.Stack;

/// <summary>
/// The order-gateway's durable step per order, before and after its per-account rounds, in one run: five accounts with
/// 64 orders each in flight (what `clearing simulate --taker-rate` offers), each accepted order one
/// gateway.command-accepted.v1 event of the real size appended to <c>gateway-{account}</c> in SQLite with the expected
/// version the decision saw. One append per order is the old shape and the baseline: under the account's lock, one
/// append per order, so an account waits one store commit per order (the store's group commit still merges the five
/// accounts). Larger rounds are the new shape: the orders that queued while the previous append was in flight go in one
/// append. Ed25519 vs session HMAC for the proof is GatewayVerificationBenchmarks.
/// Run: <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*GatewayAdmissionStore*'</c>.
/// Each op is one order: ns/op is the store's cost per accepted order, orders/s = 1e9 / ns.
/// </summary>
[Config(typeof(ShortInProcess))]
[MemoryDiagnoser]
public class GatewayAdmissionStoreBenchmarks
{
    private sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess() =>
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithInvocationCount(4).WithUnrollFactor(1)
                .WithToolchain(InProcessEmitToolchain.Instance));
    }

    private const int Accounts = 5;
    private const int OrdersPerAccount = 64;

    // The JSON of a real CommandAccepted (its Command field is the OrderCommand as protobuf JSON).
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes(
        "{\"accountId\":\"acct-4\",\"market\":\"BTC-PERP\",\"commandId\":\"gw:acct-4:7f3a9c0e5b2d4e6f8a1b3c5d7e9f0a2b\",\"kind\":\"place\"," +
        "\"orderId\":\"acct-4-1234-9f8e7d6c5b\",\"contentHash\":\"b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78\"," +
        "\"nonce\":\"7f3a9c0e5b2d4e6f8a1b3c5d7e9f0a2b\",\"expiresAtUnixNanos\":1800000020000000000,\"acceptedAtUnixNanos\":1800000000000000000," +
        "\"command\":\"{ \\\"commandId\\\": \\\"gw:acct-4:7f3a9c0e5b2d4e6f8a1b3c5d7e9f0a2b\\\", \\\"accountId\\\": \\\"acct-4\\\", \\\"market\\\": \\\"BTC-PERP\\\", " +
        "\\\"timeUnixNanos\\\": \\\"1800000000000000000\\\", \\\"place\\\": { \\\"orderId\\\": \\\"acct-4-1234-9f8e7d6c5b\\\", \\\"side\\\": \\\"SIDE_BUY\\\", " +
        "\\\"kind\\\": \\\"ORDER_KIND_LIMIT\\\", \\\"price\\\": \\\"101000.5\\\", \\\"quantity\\\": \\\"0.13\\\", \\\"timeInForce\\\": \\\"TIME_IN_FORCE_IOC\\\", " +
        "\\\"stp\\\": \\\"SELF_TRADE_PREVENTION_CANCEL_MAKER\\\", \\\"marginMode\\\": \\\"MARGIN_MODE_CROSS\\\" } }\"}");

    private SqliteEventStore _store = null!;
    private string _directory = string.Empty;
    private long[] _versions = null!;
    private int _run;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "clearing-bench-gateway-store", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
    }

    [IterationSetup]
    public void FreshAccounts()
    {
        // New streams each invocation, so every append names a version the test knows, as the gateway's ledger does.
        _run++;
        _versions = Enumerable.Repeat(-1L, Accounts).ToArray();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle may still hold the file: the OS cleans the temp directory later.
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Accounts * OrdersPerAccount, Description = "one append per order (before)")]
    public Task AppendPerOrder() => AppendInRounds(1);

    [Benchmark(OperationsPerInvoke = Accounts * OrdersPerAccount, Description = "rounds of 8 orders per append")]
    public Task AppendRoundsOf8() => AppendInRounds(8);

    [Benchmark(OperationsPerInvoke = Accounts * OrdersPerAccount, Description = "rounds of 64 orders per append")]
    public Task AppendRoundsOf64() => AppendInRounds(64);

    private Task AppendInRounds(int roundSize) => Task.WhenAll(Enumerable.Range(0, Accounts).Select(account => AccountAsync(account, roundSize)));

    /// <summary>One account: its orders in rounds, each round one append awaited before the next, as under the account's lock.</summary>
    private async Task AccountAsync(int account, int roundSize)
    {
        var stream = $"gateway-bench-{_run}-acct-{account}";
        for (var sent = 0; sent < OrdersPerAccount; sent += roundSize)
        {
            var round = new EventData[Math.Min(roundSize, OrdersPerAccount - sent)];
            for (var i = 0; i < round.Length; i++)
            {
                round[i] = new EventData(Guid.NewGuid(), "gateway.command-accepted.v1", 1, Payload, default, null, null);
            }

            var result = await _store.AppendAsync(stream, ExpectedVersion.From(_versions[account]), round);
            _versions[account] = result.NextExpectedVersion;
        }
    }
}
