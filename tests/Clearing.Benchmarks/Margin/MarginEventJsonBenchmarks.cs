using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Benchmarks.Margin;

/// <summary>
/// The JSON margin pays per fill side, source-generated serializer (baseline in each category, what every fill used
/// before) against MarginFastJson (what MarginEventTypes.Serializer uses now; same bytes): writing the side's
/// PositionChanged (the fill consumer), reading its ledger lines back out of the store (the ledger projector),
/// writing one LedgerEntryRecorded per line (the projector) and reading it back (the outbox relay). The event is a
/// taker's fill with realized PnL and a fee, as the demo's store holds.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*MarginEventJsonBenchmarks*'
/// (add --inProcess on a busy machine, where the out-of-process job's build can exceed BenchmarkDotNet's 2-minute limit).
/// Measured 14:02 UTC in process on the shared 2-core machine (load average 20-30): write PositionChanged 1,889 -> 1,539 ns
/// (0.81), 1,632 -> 816 B; read stored ledger lines 3,800 -> 1,863 ns (0.49), 2,176 -> 536 B; write LedgerEntryRecorded
/// 601 -> 603 ns (1.00), 480 -> 448 B; read LedgerEntryRecorded 3,582 -> 1,453 ns (0.46, noisy), 1,576 -> 352 B.
/// </summary>
[SimpleJob(warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MarginEventJsonBenchmarks
{
    private const string PositionChangedType = "margin.position-changed.v1";

    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 11, 26, 12, 28, 21, TimeSpan.Zero).AddTicks(7_061_190);

    private readonly PositionChanged _changed = new(
        "acct-5", "ETH-PERP", PositionChange.Fill, "ETH-PERP:21441", 1.4m, 3508.8m,
        new Position("ETH-PERP", -33.6m, -117777.362200m, false, 0m, -1358.552200m, 1396.0731800m, 0m),
        [
            LedgerLine.Between(LedgerKind.RealizedPnl, "ETH-PERP:21441", "ETH-PERP", "USDC", "system:settlement", "acct-5", 4.929909m),
            LedgerLine.Between(LedgerKind.TradingFee, "ETH-PERP:21441", "ETH-PERP", "USDC", "system:fee-pool", "acct-5", 2.45616m),
        ],
        At);

    private readonly LedgerEntryRecorded _entry = new(
        163_637, "account-acct-5:100512:0", LedgerKind.RealizedPnl, "ETH-PERP:21441", "ETH-PERP", "acct-5",
        [new Posting("acct-5", "USDC", -4.929909m), new Posting("system:settlement", "USDC", 4.929909m)], At, "account-acct-5", 100_512, 2_411_093, 0);

    private byte[] _changedJson = [];
    private byte[] _entryJson = [];

    [GlobalSetup]
    public void Setup()
    {
        _changedJson = JsonSerializer.SerializeToUtf8Bytes(_changed, MarginEventTypes.GeneratedOptions);
        _entryJson = JsonSerializer.SerializeToUtf8Bytes(_entry, MarginEventTypes.GeneratedOptions);
        if (!MarginEventTypes.Serializer.Serialize(_changed).Data.Span.SequenceEqual(_changedJson)
            || !MarginEventTypes.Serializer.Serialize(_entry).Data.Span.SequenceEqual(_entryJson))
        {
            throw new InvalidOperationException("the hand-written JSON differs from the generated serializer's");
        }
    }

    [Benchmark(Baseline = true, Description = "generated")]
    [BenchmarkCategory("write PositionChanged")]
    public byte[] WritePositionChangedGenerated() => JsonSerializer.SerializeToUtf8Bytes(_changed, MarginEventTypes.GeneratedOptions);

    [Benchmark(Description = "fast")]
    [BenchmarkCategory("write PositionChanged")]
    public byte[] WritePositionChangedFast() => JsonSerializer.SerializeToUtf8Bytes(_changed, MarginEventTypes.Options);

    [Benchmark(Baseline = true, Description = "generated")]
    [BenchmarkCategory("read stored ledger lines")]
    public StoredLedgerLines ReadLinesGenerated() => MarginEventTypes.ReadStoredLedgerLinesGenerated(PositionChangedType, _changedJson);

    [Benchmark(Description = "fast")]
    [BenchmarkCategory("read stored ledger lines")]
    public StoredLedgerLines? ReadLinesFast() => MarginEventTypes.ReadStoredLedgerLines(PositionChangedType, _changedJson);

    [Benchmark(Baseline = true, Description = "generated")]
    [BenchmarkCategory("write LedgerEntryRecorded")]
    public byte[] WriteEntryGenerated() => JsonSerializer.SerializeToUtf8Bytes(_entry, MarginEventTypes.GeneratedOptions);

    [Benchmark(Description = "fast")]
    [BenchmarkCategory("write LedgerEntryRecorded")]
    public byte[] WriteEntryFast() => JsonSerializer.SerializeToUtf8Bytes(_entry, MarginEventTypes.Options);

    [Benchmark(Baseline = true, Description = "generated")]
    [BenchmarkCategory("read LedgerEntryRecorded")]
    public object ReadEntryGenerated() => JsonSerializer.Deserialize<LedgerEntryRecorded>(_entryJson, MarginEventTypes.GeneratedOptions)!;

    [Benchmark(Description = "fast")]
    [BenchmarkCategory("read LedgerEntryRecorded")]
    public object ReadEntryFast() => JsonSerializer.Deserialize<LedgerEntryRecorded>(_entryJson, MarginEventTypes.Options)!;
}
