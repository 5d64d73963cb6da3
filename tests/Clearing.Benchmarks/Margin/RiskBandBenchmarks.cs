using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Primitives.Markets;

namespace Clearing.Benchmarks.Margin;

/// <summary>
/// What every fill booking pays to learn whether an account's band moved: the full valuation (baseline, what
/// AccountDecider.WithRisk used to build on every booking) against <see cref="RiskCalculator.BandOf"/> (what it builds
/// now; the full valuation follows only on a crossing). Two holdings: a market maker's sub-account with the three linear
/// markets, and one with BTC options hedged by the perpetual (the portfolio-margin path).
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*RiskBandBenchmarks*'
/// </summary>
[SimpleJob(warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class RiskBandBenchmarks
{
    private readonly RiskCalculator _risk = new(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default);
    private RiskPrices _prices = RiskPrices.Empty;
    private SubAccount _sub = SubAccount.Open(0);

    [Params("linear", "options")]
    public string Holding { get; set; } = "linear";

    [GlobalSetup]
    public void Setup()
    {
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        _prices = RiskPrices.Empty
            .WithIndex("BTC", 100_000m, stale: false, 1, at)
            .WithIndex("ETH", 4_000m, stale: false, 1, at)
            .WithMark("BTC-PERP", 100_050m)
            .WithMark("BTC-26MAR27", 101_000m)
            .WithMark("ETH-PERP", 4_001m)
            .WithSurface("BTC", VolatilitySurface.Flat(0.6));
        var positions = ImmutableSortedDictionary.Create<string, Position>(StringComparer.Ordinal);
        if (Holding == "linear")
        {
            positions = positions
                .Add("BTC-PERP", new Position("BTC-PERP", -3.217m, -3.217m * 99_950m))
                .Add("ETH-PERP", new Position("ETH-PERP", 41.5m, 41.5m * 3_990m))
                .Add("BTC-26MAR27", new Position("BTC-26MAR27", 1.25m, 1.25m * 100_800m));
        }
        else
        {
            var option = MarketCatalog.EmbeddedDefaults.All.First(m => m.Kind == MarketKind.Option);
            positions = positions
                .Add("BTC-PERP", new Position("BTC-PERP", -0.5m, -0.5m * 99_950m))
                .Add(option.Symbol, new Position(option.Symbol, 2m, 2m * 3_000m));
        }

        _sub = SubAccount.Open(0) with
        {
            Positions = positions,
            Balances = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal).Add("USDC", 2_000_000m),
        };
    }

    [Benchmark(Baseline = true)]
    public HealthBand FullValuation() => _risk.Evaluate("mm-1", _sub, _prices).Band;

    [Benchmark]
    public HealthBand BandOnly() => _risk.BandOf(_sub, _prices);
}
