namespace Clearing.Margin.Domain.Options;

/// <summary>
/// Position-weighted sensitivities, in the units of <see cref="OptionGreeks"/> times quantity: delta in units of
/// the underlying, gamma in underlying units per unit of spot, vega in quote currency per vol point, theta in
/// quote currency per calendar day, rho in quote currency per 1% rate. Rounded half-to-even to
/// <see cref="PortfolioGreeks.Decimals"/> places: these are risk figures for read models and risk events,
/// not amounts owed, so unbiased rounding is the right choice.
/// </summary>
public sealed record GreeksExposure(decimal Delta, decimal Gamma, decimal Vega, decimal Theta, decimal Rho);

/// <summary>Exposure of one expiry; <paramref name="Expiry"/> is null for perpetuals.</summary>
public sealed record ExpiryGreeks(DateTimeOffset? Expiry, GreeksExposure Greeks);

/// <summary>Exposure of one underlying: total and per expiry (perpetuals first, then by date).</summary>
public sealed record UnderlyingGreeks(string Underlying, GreeksExposure Total, IReadOnlyList<ExpiryGreeks> ByExpiry);

/// <summary>
/// Greeks of a portfolio aggregated by underlying and expiry, on the same surface and market the margin uses
/// (Black-Scholes-Merton on spot, so delta is per unit of spot for every expiry and sums across them).
/// Futures contribute delta dF/dS = e^((r−q)T), the carry part of theta and rho (their forward moves with
/// time and rate); perpetuals contribute delta 1. Options past expiry count as their intrinsic delta.
/// </summary>
public static class PortfolioGreeks
{
    /// <summary>Decimal places of the reported Greeks.</summary>
    public const int Decimals = 8;

    public static UnderlyingGreeks Aggregate(OptionPortfolio portfolio, UnderlyingMarket market, VolatilitySurface surface)
    {
        ArgumentNullException.ThrowIfNull(portfolio);
        ArgumentNullException.ThrowIfNull(market);
        ArgumentNullException.ThrowIfNull(surface);

        var spot = (double)market.Spot;
        var carryRate = market.Rate - market.DividendYield;
        var buckets = new SortedDictionary<DateTimeOffset, Accumulator>();
        var perpetual = new Accumulator();

        foreach (var position in portfolio.Options)
        {
            var quantity = (double)position.Quantity;
            var strike = (double)position.Strike;
            var bucket = BucketFor(buckets, position.Expiry);
            var years = market.YearsTo(position.Expiry);
            if (years <= 0.0)
            {
                var inTheMoney = position.Kind == OptionKind.Call ? spot > strike : spot < strike;
                bucket.Delta += inTheMoney ? quantity * (position.Kind == OptionKind.Call ? 1.0 : -1.0) : 0.0;
                continue;
            }

            var forward = spot * Math.Exp(carryRate * years);
            var volatility = surface.Volatility(strike, forward, years);
            var greeks = BlackFormula.Greeks(position.Kind, spot, strike, volatility, market.Rate, years, market.DividendYield, forwardModel: false);
            bucket.Add(quantity, greeks);
        }

        foreach (var position in portfolio.Futures)
        {
            var quantity = (double)position.Quantity;
            if (position.Expiry is not { } expiry)
            {
                perpetual.Delta += quantity;
                continue;
            }

            var bucket = BucketFor(buckets, expiry);
            var years = Math.Max(market.YearsTo(expiry), 0.0);
            var growth = Math.Exp(carryRate * years);
            bucket.Delta += quantity * growth;
            // F = S·e^((r−q)T): a day passing shortens T, the forward drifts by −(r−q)·F per year.
            bucket.Theta += quantity * -carryRate * spot * growth / BlackFormula.DaysPerYear;
            bucket.Rho += quantity * years * spot * growth * BlackFormula.RatePercent;
        }

        var byExpiry = new List<ExpiryGreeks>(buckets.Count + 1);
        var total = new Accumulator();
        if (portfolio.Futures.Any(position => position.Expiry is null))
        {
            byExpiry.Add(new ExpiryGreeks(null, perpetual.ToExposure()));
            total.Add(perpetual);
        }

        foreach (var (expiry, bucket) in buckets)
        {
            byExpiry.Add(new ExpiryGreeks(expiry, bucket.ToExposure()));
            total.Add(bucket);
        }

        return new UnderlyingGreeks(portfolio.Underlying, total.ToExposure(), byExpiry);
    }

    private static Accumulator BucketFor(SortedDictionary<DateTimeOffset, Accumulator> buckets, DateTimeOffset expiry)
    {
        if (!buckets.TryGetValue(expiry, out var bucket))
        {
            bucket = new Accumulator();
            buckets.Add(expiry, bucket);
        }

        return bucket;
    }

    private sealed class Accumulator
    {
        public double Delta { get; set; }

        public double Gamma { get; set; }

        public double Vega { get; set; }

        public double Theta { get; set; }

        public double Rho { get; set; }

        public void Add(double quantity, OptionGreeks greeks)
        {
            Delta += quantity * greeks.Delta;
            Gamma += quantity * greeks.Gamma;
            Vega += quantity * greeks.Vega;
            Theta += quantity * greeks.Theta;
            Rho += quantity * greeks.Rho;
        }

        public void Add(Accumulator other)
        {
            Delta += other.Delta;
            Gamma += other.Gamma;
            Vega += other.Vega;
            Theta += other.Theta;
            Rho += other.Rho;
        }

        public GreeksExposure ToExposure() => new(Round(Delta), Round(Gamma), Round(Vega), Round(Theta), Round(Rho));

        private static decimal Round(double value) =>
            double.IsFinite(value) && Math.Abs(value) < 7.9e27
                ? decimal.Round((decimal)value, Decimals, MidpointRounding.ToEven)
                : throw new InvalidOperationException($"a Greek aggregated to {value}, which cannot be reported.");
    }
}
