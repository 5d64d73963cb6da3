using BenchmarkDotNet.Attributes;
using Clearing.Margin.Domain.Options;

namespace Clearing.Benchmarks.Options;

/// <summary>
/// Portfolio margin for 10,000 accounts × 20 option positions (plus a perpetual hedge each) on one core.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*PortfolioMarginBenchmarks*'
/// One op = all 10,000 accounts (goal ≤ 1 s). 35 scenarios × 20 options = 700 revaluations per account.
/// </summary>
/// <remarks>
/// Baseline "NaiveRevaluation": the same margin rule written straightforwardly — for every scenario and
/// position, read the surface, shock the vol and call the public validated Black-Scholes-Merton price. The
/// engine reads the surface once per position, precomputes ln(1+m) and σ√T per vol state, and revalues
/// with two N() per scenario. Setup checks that both give the same margins.
/// </remarks>
[SimpleJob(warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class PortfolioMarginBenchmarks
{
    private const int Accounts = 10_000;
    private const int OptionsPerAccount = 20;
    private static readonly DateTimeOffset AsOf = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly int[] ExpiryDays = [7, 14, 30, 60, 90, 180, 270, 365];

    private OptionPortfolio[] portfolios = [];
    private UnderlyingMarket market = null!;
    private VolatilitySurface surface = null!;
    private PortfolioMargin engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        const decimal spot = 60_000m;
        market = new UnderlyingMarket(spot, rate: 0.04, dividendYield: 0.0, AsOf);
        surface = new VolatilitySurface(ExpiryDays.Select(days =>
            SviSlice.FromAtmVolatility(days / 365.0, atmVolatility: 0.55 + 0.25 * Math.Exp(-days / 60.0), b: 0.1, rho: -0.35, sigma: 0.15)));
        engine = PortfolioMargin.Default;

        var random = new Random(20260302);
        portfolios = [.. Enumerable.Range(0, Accounts).Select(_ => new OptionPortfolio(
            "BTC",
            Enumerable.Range(0, OptionsPerAccount).Select(_ => new OptionPosition(
                random.Next(2) == 0 ? OptionKind.Call : OptionKind.Put,
                1_000m * random.Next(30, 121),                       // strikes 30k–120k: 0.5×–2× spot
                AsOf.AddDays(ExpiryDays[random.Next(ExpiryDays.Length)]),
                random.Next(1, 11) * (random.Next(2) == 0 ? -1m : 1m) / 10m)),
            [new FuturePosition(null, random.Next(-20, 21) / 10m)]))];

        for (var i = 0; i < 200; i++)
        {
            var fast = engine.Compute(portfolios[i], market, surface).Margin;
            var naive = Naive(portfolios[i]);
            if (Math.Abs(fast - naive) > 0.00001m + 1e-9m * Math.Abs(naive))
            {
                throw new InvalidOperationException($"engine {fast} and naive {naive} disagree on account {i}.");
            }
        }
    }

    [Benchmark(Baseline = true)]
    public decimal NaiveRevaluation()
    {
        var total = 0m;
        foreach (var portfolio in portfolios)
        {
            total += Naive(portfolio);
        }

        return total;
    }

    [Benchmark]
    public decimal Engine()
    {
        var total = 0m;
        foreach (var portfolio in portfolios)
        {
            total += engine.Compute(portfolio, market, surface).Margin;
        }

        return total;
    }

    private decimal Naive(OptionPortfolio portfolio)
    {
        var spot = (double)market.Spot;
        var worst = 0.0;
        foreach (var scenario in engine.Scenarios)
        {
            var pnl = 0.0;
            foreach (var position in portfolio.Options)
            {
                var years = market.YearsTo(position.Expiry);
                var strike = (double)position.Strike;
                var forward = spot * Math.Exp((market.Rate - market.DividendYield) * years);
                var volatility = surface.Volatility(strike, forward, years);
                var shocked = engine.ShockedVolatility(volatility, years * 365.0, scenario.Volatility);
                var now = BlackScholesMerton.Price(position.Kind, spot, strike, volatility, market.Rate, years, market.DividendYield);
                var then = BlackScholesMerton.Price(position.Kind, spot * (1 + scenario.UnderlyingMove), strike, shocked, market.Rate, years, market.DividendYield);
                pnl += (double)position.Quantity * (then - now);
            }

            foreach (var future in portfolio.Futures)
            {
                pnl += (double)future.Quantity * spot * scenario.UnderlyingMove;
            }

            worst = Math.Max(worst, -pnl * scenario.Weight);
        }

        var shortUnits = portfolio.Options.Where(p => p.Quantity < 0).Sum(p => -(double)p.Quantity);
        var floor = shortUnits * engine.Parameters.ShortOptionMinimum * spot;
        return decimal.Round((decimal)Math.Max(worst, floor), engine.Parameters.MoneyDecimals, MidpointRounding.ToPositiveInfinity);
    }
}
