using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Funding.Domain;

namespace Clearing.Benchmarks.Funding;

/// <summary>
/// Funding payments for one market and interval over 1M open positions, on one core (goal ≤ 1 s).
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*FundingPaymentsBenchmarks*'
/// Each invocation is the whole 1M-position allocation, so the reported mean is the time per interval.
/// </summary>
/// <remarks>
/// Baseline "BareMultiply": −size × mark × rate per position, summed, with no rounding and no dust: the least any
/// exact-decimal funding could cost. "Allocate span" adds truncation to 10^-6 USDC and the exact 128-bit unit sum;
/// "Allocate list" is the (account, size) API margin calls, building a FundingPayment per position.
/// Sizes are random lots of 0.001 up to ±50 BTC, with one balancing position so the book nets to zero.
/// </remarks>
[Config(typeof(FundingBenchmarkConfig))]
[MemoryDiagnoser]
public class FundingPaymentsBenchmarks
{
    private const int Positions = 1_000_000;
    private const decimal Mark = 64_123.5m;
    private const decimal Rate = 0.000071234567m;

    private decimal[] sizes = [];
    private decimal[] payments = [];
    private (string Account, decimal Size)[] positions = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261125);
        sizes = new decimal[Positions];
        var net = 0m;
        for (var i = 0; i < Positions - 1; i++)
        {
            sizes[i] = random.Next(-50_000, 50_001) * 0.001m;
            net += sizes[i];
        }

        sizes[^1] = -net;
        payments = new decimal[Positions];
        positions = sizes.Select((size, i) => ($"acct-{i}", size)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public decimal BareMultiply()
    {
        var sum = 0m;
        for (var i = 0; i < sizes.Length; i++)
        {
            var payment = -sizes[i] * Mark * Rate;
            payments[i] = payment;
            sum += payment;
        }

        return sum;
    }

    [Benchmark(Description = "Allocate span")]
    public decimal AllocateSpan() => FundingPayments.Allocate(sizes, Mark, Rate, payments);

    [Benchmark(Description = "Allocate list")]
    public decimal AllocateList() => FundingPayments.Allocate(positions, Mark, Rate).Dust;
}

/// <summary>
/// Each invocation is a whole 1M-position interval (tens of milliseconds), so monitored single invocations suffice.
/// In-process: no generated project to build on a busy two-core machine, and the figure is the allocation itself.
/// </summary>
public sealed class FundingBenchmarkConfig : ManualConfig
{
    public FundingBenchmarkConfig() => AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(10)
        .WithInvocationCount(1)
        .WithUnrollFactor(1));
}
