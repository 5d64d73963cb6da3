using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Settlement.Domain.Fees;

namespace Clearing.Benchmarks.Settlement;

/// <summary>
/// Settlement counts every fill toward both accounts' 30-day volume (TradingVolumes.Fill → RollingVolume.Add). 10,000
/// fills over 40 days, one account holding up to 30 daily buckets, as a long-running venue has them.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*RollingVolumeBenchmarks*'
/// </summary>
/// <remarks>
/// Baseline "RebuildEveryFill": the session-6 Add, which rebuilt the buckets (Where + ToImmutableSortedDictionary) and
/// found the day by decimal division on every fill, kept here verbatim so the ratio is measured in the same run.
/// </remarks>
[Config(typeof(RollingVolumeBenchmarkConfig))]
[MemoryDiagnoser]
public class RollingVolumeBenchmarks
{
    private const int Fills = 10_000;
    private const long NanosPerDay = 86_400L * 1_000_000_000L;

    private readonly long[] _times = new long[Fills];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        for (var i = 0; i < Fills; i++)
        {
            _times[i] = (long)(i * (40.0 / Fills) * NanosPerDay) + random.NextInt64(0, NanosPerDay / 10);
        }
    }

    [Benchmark(Baseline = true)]
    public int RebuildEveryFill()
    {
        var byDay = ImmutableSortedDictionary<long, decimal>.Empty;
        foreach (var time in _times)
        {
            var day = (long)Math.Floor(time / (decimal)NanosPerDay);
            var kept = byDay.Where(kv => kv.Key > day - RollingVolume.WindowDays).ToImmutableSortedDictionary();
            byDay = kept.SetItem(day, kept.GetValueOrDefault(day) + 12.5m);
        }

        return byDay.Count;
    }

    [Benchmark]
    public int AddToTheDaysBucket()
    {
        var volume = RollingVolume.Empty;
        foreach (var time in _times)
        {
            volume = volume.Add(time, 12.5m);
        }

        return volume.ByDay.Count;
    }
}

public sealed class RollingVolumeBenchmarkConfig : ManualConfig
{
    public RollingVolumeBenchmarkConfig() => AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(2)
        .WithIterationCount(5));
}
