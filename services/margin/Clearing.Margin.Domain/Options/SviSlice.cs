namespace Clearing.Margin.Domain.Options;

/// <summary>
/// One expiry of the volatility surface: Gatheral's raw SVI total implied variance
/// w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)), with k = ln(K/F) the log-moneyness against that expiry's
/// forward and w = σ_implied²·T.
/// </summary>
/// <remarks>
/// Why SVI: five numbers per expiry that an oracle can publish and sign, a smile that is smooth in strike
/// (so margin can read a vol for any strike, not just quoted ones), a skew that is one explicit parameter
/// (ρ, with b the overall wing steepness), and wings that grow linearly in k as Lee's moment formula says
/// they must. The constructor rejects what cannot be a variance smile: b &lt; 0, |ρ| ≥ 1, σ ≤ 0, a negative
/// minimum variance a + b·σ·√(1 − ρ²), and wings steeper than Lee's bound b·(1 + |ρ|) ≤ 2.
/// </remarks>
public sealed record SviSlice
{
    /// <summary>Lee's moment bound on the wing slope of total variance in log-moneyness.</summary>
    public const double MaxWingSlope = 2.0;

    /// <exception cref="ArgumentException">A parameter makes the smile impossible (named in the message).</exception>
    public SviSlice(double years, double a, double b, double rho, double m, double sigma)
    {
        Require(double.IsFinite(years) && years > 0.0, nameof(years), $"years to expiry must be positive, got {years}.");
        Require(double.IsFinite(a), nameof(a), $"a must be finite, got {a}.");
        Require(double.IsFinite(b) && b >= 0.0, nameof(b), $"b (wing steepness) must be ≥ 0, got {b}.");
        Require(double.IsFinite(rho) && Math.Abs(rho) < 1.0, nameof(rho), $"rho (skew) must lie in (-1, 1), got {rho}.");
        Require(double.IsFinite(m), nameof(m), $"m (smile shift) must be finite, got {m}.");
        Require(double.IsFinite(sigma) && sigma > 0.0, nameof(sigma), $"sigma (smile curvature) must be positive, got {sigma}.");
        var minimumVariance = a + b * sigma * Math.Sqrt(1.0 - rho * rho);
        Require(minimumVariance > 0.0, nameof(a), $"the smile's minimum total variance a + b·sigma·√(1-rho²) = {minimumVariance} must be positive.");
        Require(b * (1.0 + Math.Abs(rho)) <= MaxWingSlope, nameof(b), $"wing slope b·(1+|rho|) = {b * (1.0 + Math.Abs(rho))} exceeds Lee's bound {MaxWingSlope}.");
        (Years, A, B, Rho, M, Sigma) = (years, a, b, rho, m, sigma);
    }

    /// <summary>Time to this expiry in years (365-day years, as everywhere in the option library).</summary>
    public double Years { get; }

    /// <summary>Variance level.</summary>
    public double A { get; }

    /// <summary>Wing steepness (angle between the asymptotes).</summary>
    public double B { get; }

    /// <summary>Skew: negative tilts the smile so that low strikes (puts) carry more volatility.</summary>
    public double Rho { get; }

    /// <summary>Horizontal shift of the smile's minimum in log-moneyness.</summary>
    public double M { get; }

    /// <summary>Curvature at the minimum (smoothness of the vertex).</summary>
    public double Sigma { get; }

    /// <summary>A slice with the given at-the-money volatility (k = 0, m = 0): a = atmVol²·T − b·σ.</summary>
    /// <exception cref="ArgumentException">The combination cannot be a smile (see the constructor).</exception>
    public static SviSlice FromAtmVolatility(double years, double atmVolatility, double b, double rho, double sigma)
    {
        Require(double.IsFinite(atmVolatility) && atmVolatility > 0.0, nameof(atmVolatility), $"at-the-money volatility must be positive, got {atmVolatility}.");
        return new SviSlice(years, atmVolatility * atmVolatility * years - b * sigma, b, rho, 0.0, sigma);
    }

    /// <summary>A flat smile: the same volatility at every strike.</summary>
    public static SviSlice Flat(double years, double volatility)
    {
        Require(double.IsFinite(volatility) && volatility > 0.0, nameof(volatility), $"volatility must be positive, got {volatility}.");
        // b = 0 makes the smile flat; sigma only has to be positive.
        return new SviSlice(years, volatility * volatility * years, 0.0, 0.0, 0.0, 1.0);
    }

    /// <summary>Total implied variance w(k) at log-moneyness k = ln(K/F).</summary>
    public double TotalVariance(double logMoneyness)
    {
        var shifted = logMoneyness - M;
        return A + B * (Rho * shifted + Math.Sqrt(shifted * shifted + Sigma * Sigma));
    }

    /// <summary>Implied volatility at log-moneyness k.</summary>
    public double Volatility(double logMoneyness) => Math.Sqrt(TotalVariance(logMoneyness) / Years);

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message, field);
        }
    }
}
