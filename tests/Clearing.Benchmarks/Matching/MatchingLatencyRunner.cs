using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime;
using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Reference;

namespace Clearing.Benchmarks.Matching;

/// <summary>
/// <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- matching [--ops N] [--rate R] [--deep-orders N]
/// [--workload exchange-core|deep-book] [--quick]</c>.
/// For each workload: peak single-thread throughput (best of several fresh runs), then latency per op at a
/// constant offered rate with coordinated omission corrected — op i is due at start + i/rate and its latency is
/// measured from that due time, so a late op delays every op behind it — and the reference engine's throughput on
/// the same log in the same run, as a ratio.
/// <para>
/// Latency is measured in windows of at most 0.4 s, each with its own schedule, separated by short sleeps: run under
/// <c>chrt -f</c> (a matching engine gets a dedicated core in production; on a shared box this keeps other processes
/// from preempting it) the kernel throttles a real-time thread that spins for more than 0.95 s per second, and a
/// window must not straddle that. Without real-time priority the sleeps cost nothing.
/// </para>
/// </summary>
public static class MatchingLatencyRunner
{
    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var operations = IntArg(args, "--ops", quick ? 300_000 : 3_000_000);
        var rate = IntArg(args, "--rate", 1_000_000);
        var deepOrders = IntArg(args, "--deep-orders", quick ? 100_000 : 1_000_000);
        GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency;
        Console.WriteLine($"matching benchmark: {Environment.ProcessorCount} cores, {RuntimeInfo()}, Stopwatch {Stopwatch.Frequency:N0} Hz");
        var control = Hiccups(Math.Min(operations, 3_000_000), rate);
        Console.WriteLine($"control: the same schedule at {rate / 1e6:F1} M ops/s with a no-op instead of the engine (this machine's floor): {control}");
        var only = Array.IndexOf(args, "--workload") is var w and >= 0 && w + 1 < args.Length ? args[w + 1] : "all";
        var workloads = new List<MatchingWorkload>();
        if (only is "all" or "exchange-core")
        {
            workloads.Add(MatchingWorkloads.ExchangeCore(operations));
        }
        if (only is "all" or "deep-book")
        {
            workloads.Add(MatchingWorkloads.DeepBook(operations, deepOrders));
        }
        foreach (var workload in workloads)
        {
            Console.WriteLine();
            Console.WriteLine(workload.Describe());
            var peak = Peak(workload, runs: quick ? 2 : 5);
            Console.WriteLine($"  fast engine peak: {peak.Best / 1e6:F2} M ops/s (median of runs {peak.Median / 1e6:F2} M ops/s, {1e9 / peak.Best:F0} ns/op)");
            var (latency, service) = Latency(workload, rate);
            Console.WriteLine($"  at {rate / 1e6:F1} M ops/s offered, latency per op from its due time (coordinated-omission corrected): {latency}");
            Console.WriteLine($"  the same run, engine service time per op (start to end of Process, no queueing): {service}");
            var referenceOps = Math.Min(workload.Commands.Length, quick ? 20_000 : 100_000);
            var reference = ReferenceThroughput(workload, referenceOps);
            Console.WriteLine($"  reference engine: {reference / 1e3:F1} k ops/s on the first {referenceOps:N0} ops → fast/reference = {peak.Best / reference:F0}×");
        }
        return 0;
    }

    private static string RuntimeInfo() => $".NET {Environment.Version}, {(Debugger.IsAttached ? "debugger" : "no debugger")}";

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static MatchingEngine Prepared(MatchingWorkload workload, EventBuffer buffer)
    {
        var engine = new MatchingEngine(workload.Config);
        foreach (var command in workload.Prefill)
        {
            buffer.Clear();
            engine.Process(command, buffer);
        }
        return engine;
    }

    // The measuring loops are compiled fully optimised up front: a tier-0 loop that tiers up mid-run (on-stack
    // replacement) would stall one window for milliseconds and be counted as engine latency.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double Best, double Median) Peak(MatchingWorkload workload, int runs)
    {
        var buffer = new EventBuffer(1 << 12);
        var results = new List<double>();
        // One extra untimed run up front lets tiered compilation settle on optimized code.
        for (var run = 0; run <= runs; run++)
        {
            var engine = Prepared(workload, buffer);
            GC.Collect();
            Thread.Sleep(RealTimeBudgetReset);
            var commands = workload.Commands;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < commands.Length; i++)
            {
                buffer.Clear();
                engine.Process(commands[i], buffer);
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (run > 0)
            {
                results.Add(commands.Length / elapsed.TotalSeconds);
            }
        }
        results.Sort();
        return (results[^1], results[results.Count / 2]);
    }

    private static readonly TimeSpan RealTimeBudgetReset = TimeSpan.FromMilliseconds(700);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (string Latency, string Service) Latency(MatchingWorkload workload, int rate)
    {
        var buffer = new EventBuffer(1 << 12);
        var engine = Prepared(workload, buffer);
        var commands = workload.Commands;
        var latencies = new long[commands.Length];
        var service = new long[commands.Length];
        // Touch every page now: a fresh array's first write in the timed loop is a page fault every 512 ops.
        Array.Fill(latencies, -1);
        Array.Fill(service, -1);
        var interval = (double)Stopwatch.Frequency / rate;
        var window = Math.Max(1, (int)(rate * 0.4));
        var windows = 0;
        long busyTicks = 0;
        for (var done = 0; done < commands.Length; done += window, windows++)
        {
            var count = Math.Min(window, commands.Length - done);
            GC.Collect();
            Thread.Sleep(RealTimeBudgetReset);
            var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 1000);
            for (var k = 0; k < count; k++)
            {
                var i = done + k;
                var due = start + (long)(k * interval);
                var now = Stopwatch.GetTimestamp();
                while (now < due)
                {
                    now = Stopwatch.GetTimestamp();
                }
                buffer.Clear();
                engine.Process(commands[i], buffer);
                var end = Stopwatch.GetTimestamp();
                latencies[i] = end - due;
                service[i] = end - now;
            }
            busyTicks += Stopwatch.GetTimestamp() - start;
        }
        if (Environment.GetEnvironmentVariable("MATCHING_BENCH_DEBUG") is not null)
        {
            var slowest = Enumerable.Range(0, service.Length).OrderByDescending(i => service[i]).Take(8)
                .Select(i => $"#{i} {commands[i].Kind}/{commands[i].TimeInForce} {service[i] / 1000.0:F1}µs");
            Console.WriteLine("  slowest ops: " + string.Join(", ", slowest));
            var byKind = Enumerable.Range(0, service.Length)
                .GroupBy(i => $"{commands[i].Kind}/{commands[i].TimeInForce}")
                .Select(g => $"{g.Key} {g.Average(i => service[i]) * 1e9 / Stopwatch.Frequency:F0} ns (n={g.Count()})");
            Console.WriteLine("  mean service time by kind: " + string.Join(", ", byKind));
        }
        var achieved = commands.Length / ((double)busyTicks / Stopwatch.Frequency);
        return ($"{Percentiles(latencies)} ({achieved / 1e6:F2} M ops/s achieved over {windows} windows)", Percentiles(service));
    }

    /// <summary>The latency loop around an empty operation: what the clock, the schedule and the machine cost by themselves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string Hiccups(int operations, int rate)
    {
        var latencies = new long[operations];
        Array.Fill(latencies, -1);
        var interval = (double)Stopwatch.Frequency / rate;
        var window = Math.Max(1, (int)(rate * 0.4));
        for (var done = 0; done < operations; done += window)
        {
            var count = Math.Min(window, operations - done);
            Thread.Sleep(RealTimeBudgetReset);
            var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 1000);
            for (var k = 0; k < count; k++)
            {
                var due = start + (long)(k * interval);
                while (Stopwatch.GetTimestamp() < due)
                {
                }
                latencies[done + k] = Stopwatch.GetTimestamp() - due;
            }
        }
        return Percentiles(latencies);
    }

    private static string Percentiles(long[] ticks)
    {
        Array.Sort(ticks);
        string At(double q) => $"{ticks[Math.Min(ticks.Length - 1, (int)(q * ticks.Length))] * 1e6 / Stopwatch.Frequency:F2} µs";
        return $"p50 {At(0.50)}, p90 {At(0.90)}, p99 {At(0.99)}, p99.9 {At(0.999)}, p99.99 {At(0.9999)}, max {At(1.0)}";
    }

    private static double ReferenceThroughput(MatchingWorkload workload, int operations)
    {
        // Like the fast engine's peak, the reference is timed on a fresh engine after an untimed run has warmed its code.
        var best = 0.0;
        for (var run = 0; run < 2; run++)
        {
            var buffer = new EventBuffer(1 << 12);
            var engine = new ReferenceEngine(workload.Config);
            foreach (var command in workload.Prefill)
            {
                buffer.Clear();
                engine.Process(command, buffer);
            }
            GC.Collect();
            Thread.Sleep(RealTimeBudgetReset);
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < operations; i++)
            {
                buffer.Clear();
                engine.Process(workload.Commands[i], buffer);
            }
            best = Math.Max(best, operations / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }
}
