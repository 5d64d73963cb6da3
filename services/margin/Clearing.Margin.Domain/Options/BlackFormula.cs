using System.Runtime.CompilerServices;

namespace Clearing.Margin.Domain.Options;

/// <summary>
/// The one Black-family kernel behind both public models. Black-76 is Black-Scholes-Merton with the
/// carry equal to the rate (the forward does not drift), except that its rho holds the forward fixed.
/// Inputs are already validated here.
/// </summary>
internal static class BlackFormula
{
    public const double VolatilityPoint = 0.01;
    public const double RatePercent = 0.01;
    public const double DaysPerYear = 365.0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Price(OptionKind kind, double underlying, double strike, double volatility, double rate, double years, double carry, bool forwardModel)
    {
        var sd = volatility * Math.Sqrt(years);
        var d1 = (Math.Log(underlying / strike) + (rate - carry) * years) / sd + 0.5 * sd;
        var d2 = d1 - sd;
        var discount = Math.Exp(-rate * years);
        var carryDiscount = forwardModel ? discount : Math.Exp(-carry * years);
        var sign = kind == OptionKind.Call ? 1.0 : -1.0;
        var carried = underlying * carryDiscount;
        var discountedStrike = strike * discount;
        var (nd1, nd2, _) = CumulativePair(sign, d1, d2, carried / discountedStrike);
        return Math.Max(sign * (carried * nd1 - discountedStrike * nd2), 0.0);
    }

    /// <summary>
    /// N(±d1), N(±d2) and exp(−d1²/2) for one exponential instead of two: exp(−d2²/2) = exp(−d1²/2)·F/K,
    /// the identity behind S·e^(−qT)·n(d1) = K·e^(−rT)·n(d2). It is also more accurate than exponentiating a
    /// rounded d2. Using N(±d) directly (never 1 − N(d)) keeps deep out-of-the-money options accurate in
    /// relative terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double Nd1, double Nd2, double Gaussian1) CumulativePair(double sign, double d1, double d2, double forwardOverStrike)
    {
        var gaussian1 = NormalDistribution.GaussianFactor(d1);
        var gaussian2 = gaussian1 * forwardOverStrike;
        // Below the normal range (or on overflow) the product has lost its digits: exponentiate directly.
        if (!(gaussian1 > 1e-290 && gaussian2 < double.PositiveInfinity))
        {
            gaussian2 = NormalDistribution.GaussianFactor(d2);
        }

        return (NormalDistribution.CdfFromGaussian(sign * d1, gaussian1), NormalDistribution.CdfFromGaussian(sign * d2, gaussian2), gaussian1);
    }

    /// <summary>Price and all Greeks in one pass sharing d1, d2, N(±d1), N(±d2), n(d1) and the discount factors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OptionGreeks Greeks(OptionKind kind, double underlying, double strike, double volatility, double rate, double years, double carry, bool forwardModel)
    {
        var sqrtYears = Math.Sqrt(years);
        var sd = volatility * sqrtYears;
        var d1 = (Math.Log(underlying / strike) + (rate - carry) * years) / sd + 0.5 * sd;
        var d2 = d1 - sd;
        var discount = Math.Exp(-rate * years);
        var carryDiscount = forwardModel ? discount : Math.Exp(-carry * years);
        var sign = kind == OptionKind.Call ? 1.0 : -1.0;
        var carried = underlying * carryDiscount;
        var discountedStrike = strike * discount;
        var (nd1, nd2, gaussian1) = CumulativePair(sign, d1, d2, carried / discountedStrike);
        var density = gaussian1 * NormalDistribution.InverseSqrtTwoPi; // n is even: n(±d1) = n(d1)

        var rawPrice = sign * (carried * nd1 - discountedStrike * nd2);
        var price = Math.Max(rawPrice, 0.0);
        var delta = sign * carryDiscount * nd1;
        var gamma = carryDiscount * density / (underlying * sd);
        var vega = carried * density * sqrtYears;
        var thetaPerYear = -carried * density * volatility / (2.0 * sqrtYears)
            - sign * rate * discountedStrike * nd2
            + sign * carry * carried * nd1;
        var rho = forwardModel ? -years * rawPrice : sign * discountedStrike * years * nd2;
        return new OptionGreeks(
            price,
            delta,
            gamma,
            vega * VolatilityPoint,
            thetaPerYear / DaysPerYear,
            rho * RatePercent);
    }

    /// <summary>
    /// Undiscounted Black price from precomputed pieces: the margin engine's scenario loop shifts
    /// ln(F/K) by ln(1 + move) and reuses σ√T, so a revaluation costs two N() and no log, sqrt or exp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Undiscounted(double sign, double forward, double strike, double logForwardOverStrike, double totalDeviation)
    {
        var d1 = logForwardOverStrike / totalDeviation + 0.5 * totalDeviation;
        var d2 = d1 - totalDeviation;
        var (nd1, nd2, _) = CumulativePair(sign, d1, d2, forward / strike);
        return Math.Max(sign * (forward * nd1 - strike * nd2), 0.0);
    }
}
