using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Reference;

namespace Clearing.Benchmarks.Matching;

/// <summary>
/// Peak single-core throughput of the fast engine against the reference book on the same pre-generated log.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*MatchingThroughput*'
/// One op is one command (events drained after each). The reference replays a prefix of the same log (it is
/// 100–1000× slower); per-op times are comparable because the mix is stationary. The latency histogram at a constant
/// offered rate is the separate `-- matching` runner.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 5, invocationCount: 1)]
[MemoryDiagnoser]
public abstract class MatchingThroughputBenchmarks
{
    private readonly EventBuffer _buffer = new(1 << 12);
    private MatchingWorkload _workload = null!;
    private IMatchingEngine _engine = null!;

    protected abstract MatchingWorkload CreateWorkload();

    [GlobalSetup]
    public void Setup() => _workload = CreateWorkload();

    [IterationSetup(Target = nameof(FastEngine))]
    public void PrepareFast() => _engine = Prepare(new MatchingEngine(_workload.Config));

    [IterationSetup(Target = nameof(ReferenceEngine))]
    public void PrepareReference() => _engine = Prepare(new ReferenceEngine(_workload.Config));

    private IMatchingEngine Prepare(IMatchingEngine engine)
    {
        foreach (var command in _workload.Prefill)
        {
            _buffer.Clear();
            engine.Process(command, _buffer);
        }
        GC.Collect();
        return engine;
    }

    protected void Replay(int count)
    {
        var commands = _workload.Commands;
        var engine = _engine;
        var buffer = _buffer;
        for (var i = 0; i < count; i++)
        {
            buffer.Clear();
            engine.Process(commands[i], buffer);
        }
    }

    public abstract void FastEngine();

    public abstract void ReferenceEngine();
}

/// <summary>82% move, 9% GTC, 6% cancel, 3% IOC; ~1k users, ~1k resting orders over ~750 levels (exchange-core's mix).</summary>
public class MatchingThroughputExchangeCoreMix : MatchingThroughputBenchmarks
{
    private const int Operations = 3_000_000;
    private const int Reference = 100_000;

    protected override MatchingWorkload CreateWorkload() => MatchingWorkloads.ExchangeCore(Operations);

    [Benchmark(OperationsPerInvoke = Operations)]
    public override void FastEngine() => Replay(Operations);

    [Benchmark(Baseline = true, OperationsPerInvoke = Reference)]
    public override void ReferenceEngine() => Replay(Reference);
}

/// <summary>~1M resting orders over ~4k levels; 50% place, 40% cancel, 10% aggressive IOC.</summary>
public class MatchingThroughputDeepBook : MatchingThroughputBenchmarks
{
    private const int Operations = 2_000_000;
    private const int Reference = 50_000;

    protected override MatchingWorkload CreateWorkload() => MatchingWorkloads.DeepBook(Operations);

    [Benchmark(OperationsPerInvoke = Operations)]
    public override void FastEngine() => Replay(Operations);

    [Benchmark(Baseline = true, OperationsPerInvoke = Reference)]
    public override void ReferenceEngine() => Replay(Reference);
}
