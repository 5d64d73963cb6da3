using System.Runtime.CompilerServices;

namespace Clearing.Margin.Domain.Options;

/// <summary>
/// Standard normal distribution to close to double precision (about 1e-15 relative, also deep in the
/// lower tail), from W. J. Cody's rational Chebyshev approximations for erf/erfc (Math. Comp. 23, 1969;
/// the coefficient sets of SPECFUN CALERF).
/// </summary>
/// <remarks>
/// The textbook route N(x) = erfc(-x/√2)/2 loses accuracy in the tails because the rounding of x/√2 is
/// amplified by exp(-y²): at x = -20 the error is ~4e-14 relative. Here the rational factor is evaluated
/// at y = |x|/√2 (it is insensitive to that rounding) while the Gaussian factor exp(-x²/2) is computed from
/// x itself, with the rounding of x² recovered by a fused multiply-add. That Gaussian factor is also the
/// density, so <see cref="Cdf(double, out double)"/> returns n(x) for the price of one extra multiply.
/// </remarks>
public static class NormalDistribution
{
    /// <summary>1/√(2π).</summary>
    public const double InverseSqrtTwoPi = 0.398942280401432677939946059934;

    private const double InverseSqrtTwo = 0.707106781186547524400844362105;
    private const double InverseSqrtPi = 0.564189583547756286948079451561;

    // |x| below which erf's own expansion (Cody's first interval, y = |x|/√2 ≤ 0.46875) is used.
    private const double CentralLimit = 0.46875 * 1.41421356237309504880168872421;

    // |x| above which erfc uses Cody's asymptotic third interval (y > 4).
    private const double AsymptoticLimit = 4.0 * 1.41421356237309504880168872421;

    // Beyond this exp(-x²/2) is zero in double; N(x) is exactly 0 or 1.
    private const double UnderflowLimit = 38.5;

    /// <summary>Density n(x) = exp(-x²/2)/√(2π).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Pdf(double x) => GaussianFactor(x) * InverseSqrtTwoPi;

    /// <summary>Cumulative distribution N(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Cdf(double x) => Cdf(x, out _);

    /// <summary>Cumulative distribution N(x), and the density n(x) computed on the way.</summary>
    public static double Cdf(double x, out double density)
    {
        if (double.IsNaN(x))
        {
            density = double.NaN;
            return double.NaN;
        }

        var ax = Math.Abs(x);
        if (ax <= CentralLimit)
        {
            density = Math.Exp(-0.5 * x * x) * InverseSqrtTwoPi;
            return 0.5 + 0.5 * ErfCentral(x * InverseSqrtTwo);
        }

        if (ax >= UnderflowLimit)
        {
            density = 0.0;
            return x < 0 ? 0.0 : 1.0;
        }

        var gaussian = GaussianFactor(ax);
        density = gaussian * InverseSqrtTwoPi;
        return Tail(x, ax, gaussian);
    }

    /// <summary>
    /// N(x) when the caller already holds g = exp(-x²/2) (from <see cref="GaussianFactor"/> or an identity such as
    /// n(d2) = n(d1)·F/K), which saves the exponential. NaN is the caller's concern.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double CdfFromGaussian(double x, double gaussian)
    {
        var ax = Math.Abs(x);
        if (ax <= CentralLimit)
        {
            return 0.5 + 0.5 * ErfCentral(x * InverseSqrtTwo);
        }

        if (ax >= UnderflowLimit)
        {
            return x < 0 ? 0.0 : 1.0;
        }

        return Tail(x, ax, gaussian);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Tail(double x, double ax, double gaussian)
    {
        var y = ax * InverseSqrtTwo;
        // erfc(y) = exp(-y²)·R(y), and exp(-y²) = exp(-x²/2): the upper tail mass Q(|x|) = erfc(y)/2.
        var upperTail = 0.5 * gaussian * (ax <= AsymptoticLimit ? ErfcRatioMiddle(y) : ErfcRatioAsymptotic(y));
        return x < 0 ? upperTail : 1.0 - upperTail;
    }

    /// <summary>exp(-x²/2) with the rounding error of x² folded back in (relative error ~1 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double GaussianFactor(double x)
    {
        var square = x * x;
        var squareError = Math.FusedMultiplyAdd(x, x, -square);
        // exp(-(s+e)/2) = exp(-s/2)·exp(-e/2) and |e| ≤ ulp(s)/2, so exp(-e/2) ≈ 1 - e/2 exactly enough.
        return Math.Exp(-0.5 * square) * (1.0 - 0.5 * squareError);
    }

    // erf(y) for |y| ≤ 0.46875 (Cody, first interval).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ErfCentral(double y)
    {
        var t = y * y;
        var numerator = ((((1.85777706184603153e-1 * t + 3.16112374387056560e0) * t
            + 1.13864154151050156e2) * t + 3.77485237685302021e2) * t + 3.20937758913846947e3);
        var denominator = ((((t + 2.36012909523441209e1) * t + 2.44024637934444173e2) * t
            + 1.28261652607737228e3) * t + 2.84423683343917062e3);
        return y * numerator / denominator;
    }

    // erfc(y)·exp(y²) for 0.46875 ≤ y ≤ 4 (Cody, second interval).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ErfcRatioMiddle(double y)
    {
        var numerator = ((((((((2.15311535474403846e-8 * y + 5.64188496988670089e-1) * y
            + 8.88314979438837594e0) * y + 6.61191906371416295e1) * y + 2.98635138197400131e2) * y
            + 8.81952221241769090e2) * y + 1.71204761263407058e3) * y + 2.05107837782607147e3) * y
            + 1.23033935479799725e3);
        var denominator = ((((((((y + 1.57449261107098347e1) * y + 1.17693950891312499e2) * y
            + 5.37181101862009858e2) * y + 1.62138957456669019e3) * y + 3.29079923573345963e3) * y
            + 4.36261909014324716e3) * y + 3.43936767414372164e3) * y + 1.23033935480374942e3);
        return numerator / denominator;
    }

    // erfc(y)·exp(y²) for y > 4 (Cody, third interval: asymptotic in 1/y²).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ErfcRatioAsymptotic(double y)
    {
        var t = 1.0 / (y * y);
        var numerator = (((((1.63153871373020978e-2 * t + 3.05326634961232344e-1) * t
            + 3.60344899949804439e-1) * t + 1.25781726111229246e-1) * t + 1.60837851487422766e-2) * t
            + 6.58749161529837803e-4);
        var denominator = (((((t + 2.56852019228982242e0) * t + 1.87295284992346047e0) * t
            + 5.27905102951428412e-1) * t + 6.05183413124413191e-2) * t + 2.33520497626869185e-3);
        return (InverseSqrtPi - t * numerator / denominator) / y;
    }
}
