using BenchmarkDotNet.Attributes;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Benchmarks.Margin;

/// <summary>
/// Revaluation of every account holding one market on a price tick: 1M positions in BTC-PERP (one per account),
/// one core (BenchmarkDotNet runs the loop on one thread). Goal (issue 5): ≤ 50 ms per tick.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*PriceTickRevaluationBenchmarks*'
/// </summary>
/// <remarks>
/// "DecimalPerPosition" (baseline): what the exact path does per position — equity = rest + size × mark − cost in
/// decimal, the tiered maintenance through <see cref="MarginSchedule.Requirement"/>, the band — over arrays of the
/// same data (no dictionaries or account loading, so it flatters the exact path if anything).
/// "FixedPointIndex": <see cref="MarketRiskIndex.Revalue"/>, the host's filter, which reports the accounts whose band
/// moved for the exact check. Both see the same 1M positions (sizes 0.001–50 BTC long and short, entries ±10%,
/// collateral 1–60% of notional) and alternate between two marks, so every tick moves a few percent of the accounts.
/// </remarks>
[SimpleJob(warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class PriceTickRevaluationBenchmarks
{
    private const int Positions = 1_000_000;
    private readonly List<int> _moved = new(Positions);
    private MarketRiskIndex _index = null!;
    private decimal[] _size = [];
    private decimal[] _cost = [];
    private decimal[] _rest = [];
    private byte[] _band = [];
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261125);
        var schedule = MarginParameters.LargeCap;
        _index = new MarketRiskIndex("BTC-PERP", schedule, 1.25m, Positions);
        _size = new decimal[Positions];
        _cost = new decimal[Positions];
        _rest = new decimal[Positions];
        _band = new byte[Positions];
        for (var i = 0; i < Positions; i++)
        {
            var size = random.Next(1, 50_000) * 0.001m * (random.Next(2) == 0 ? 1 : -1);
            var entry = 100_000m + random.Next(-20_000, 20_000) * 0.5m;
            var collateral = Math.Round(Math.Abs(size) * entry * random.Next(10, 600) / 1000m, 6);
            _size[i] = size;
            _cost[i] = size * entry;
            _rest[i] = collateral;
            _index.Upsert($"acct-{i}", size, size * entry, collateral, 0m, HealthBand.Healthy);
        }
    }

    private decimal NextMark() => (_flip = !_flip) ? 97_000.5m : 103_000m;

    [Benchmark(Baseline = true)]
    public int DecimalPerPosition()
    {
        var mark = NextMark();
        var schedule = MarginParameters.LargeCap;
        var moved = 0;
        for (var i = 0; i < Positions; i++)
        {
            var equity = _rest[i] + _size[i] * mark - _cost[i];
            var (_, maintenance) = schedule.Requirement(_size[i] * mark);
            var band = equity < 0m ? HealthBand.Bankrupt
                : maintenance == 0m ? HealthBand.Healthy
                : equity < maintenance ? HealthBand.Liquidation
                : equity < maintenance * 1.25m ? HealthBand.Warning
                : HealthBand.Healthy;
            if ((byte)band != _band[i])
            {
                moved++;
            }
        }

        return moved;
    }

    [Benchmark]
    public int FixedPointIndex()
    {
        _moved.Clear();
        return _index.Revalue(NextMark(), _moved);
    }
}
