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
        // Using N(±d) directly (never 1 - N(d)) keeps deep out-of-the-money puts accurate in relative terms.
        var nd1 = NormalDistribution.Cdf(sign * d1, out _);
        var nd2 = NormalDistribution.Cdf(sign * d2, out _);
        return Math.Max(sign * (underlying * carryDiscount * nd1 - strike * discount * nd2), 0.0);
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
        var nd1 = NormalDistribution.Cdf(sign * d1, out var density); // n is even: n(±d1) = n(d1)
        var nd2 = NormalDistribution.Cdf(sign * d2, out _);

        var carried = underlying * carryDiscount;
        var discountedStrike = strike * discount;
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
        var nd1 = NormalDistribution.Cdf(sign * d1, out _);
        var nd2 = NormalDistribution.Cdf(sign * d2, out _);
        return Math.Max(sign * (forward * nd1 - strike * nd2), 0.0);
    }
}
