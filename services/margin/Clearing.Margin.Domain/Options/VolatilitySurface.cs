namespace Clearing.Margin.Domain.Options;

/// <summary>
/// Implied volatility by log-moneyness and time: one <see cref="SviSlice"/> per published expiry, joined in time
/// by interpolating total variance linearly at fixed log-moneyness, with constant implied volatility (total
/// variance proportional to T) before the first and after the last expiry.
/// </summary>
/// <remarks>
/// Total variance, not volatility, is interpolated because it is what adds up over time: linear
/// interpolation of a surface whose slices do not cross keeps it free of calendar arbitrage, which the
/// constructor checks (w must not fall from one expiry to the next on a grid of log-moneyness −3…3).
/// Strikes are read against each expiry's forward (k = ln(K/F_T)); margin scenarios keep k fixed at the
/// current forward (sticky strike), see <see cref="PortfolioMargin"/>.
/// </remarks>
public sealed class VolatilitySurface
{
    private const double CalendarCheckRange = 3.0;
    private const double CalendarCheckStep = 0.05;
    // Rounding slack for the calendar check, relative to the variance compared.
    private const double CalendarCheckSlack = 1e-12;

    private readonly SviSlice[] slices;

    /// <exception cref="ArgumentException">No slices, two slices for one expiry, or calendar arbitrage.</exception>
    public VolatilitySurface(IEnumerable<SviSlice> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        this.slices = [.. slices.OrderBy(slice => slice.Years)];
        if (this.slices.Length == 0)
        {
            throw new ArgumentException("a volatility surface needs at least one expiry slice.", nameof(slices));
        }

        for (var i = 1; i < this.slices.Length; i++)
        {
            var (earlier, later) = (this.slices[i - 1], this.slices[i]);
            if (later.Years == earlier.Years)
            {
                throw new ArgumentException($"two slices for the same expiry ({later.Years} years).", nameof(slices));
            }

            for (var k = -CalendarCheckRange; k <= CalendarCheckRange + 1e-9; k += CalendarCheckStep)
            {
                var (early, late) = (earlier.TotalVariance(k), later.TotalVariance(k));
                if (late < early * (1.0 - CalendarCheckSlack))
                {
                    throw new ArgumentException(
                        $"calendar arbitrage: total variance falls from {early} at {earlier.Years} years to {late} at {later.Years} years (log-moneyness {k:0.00}).",
                        nameof(slices));
                }
            }
        }
    }

    /// <summary>Slices ordered by expiry.</summary>
    public IReadOnlyList<SviSlice> Slices => slices;

    /// <summary>A surface with one volatility everywhere (useful when no smile is published).</summary>
    public static VolatilitySurface Flat(double volatility) => new([SviSlice.Flat(1.0, volatility)]);

    /// <summary>Total implied variance σ²·T at log-moneyness k = ln(K/F_T) and <paramref name="years"/> to expiry.</summary>
    /// <exception cref="ArgumentOutOfRangeException">years not positive.</exception>
    public double TotalVariance(double logMoneyness, double years)
    {
        if (!(years > 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(years), years, "years to expiry must be positive.");
        }

        var first = slices[0];
        if (years <= first.Years)
        {
            return first.TotalVariance(logMoneyness) * (years / first.Years);
        }

        var last = slices[^1];
        if (years >= last.Years)
        {
            return last.TotalVariance(logMoneyness) * (years / last.Years);
        }

        // Few expiries per underlying: a linear scan beats a binary search's branches.
        var upper = 1;
        while (slices[upper].Years < years)
        {
            upper++;
        }

        var (before, after) = (slices[upper - 1], slices[upper]);
        var weight = (years - before.Years) / (after.Years - before.Years);
        var w0 = before.TotalVariance(logMoneyness);
        return w0 + weight * (after.TotalVariance(logMoneyness) - w0);
    }

    /// <summary>Implied volatility at log-moneyness k = ln(K/F_T) and <paramref name="years"/> to expiry.</summary>
    public double Volatility(double logMoneyness, double years) => Math.Sqrt(TotalVariance(logMoneyness, years) / years);

    /// <summary>Implied volatility of a strike against the forward of its expiry.</summary>
    public double Volatility(double strike, double forward, double years) => Volatility(Math.Log(strike / forward), years);
}
