using Clearing.Margin.Domain.Options;

namespace Clearing.OracleIngest.Domain.Volatility;

/// <summary>A smile that cannot be published, with the reason (fit failed, arbitrage, error above tolerance).</summary>
public sealed class VolFitException(string message) : Exception(message);

/// <summary>A fitted slice and its largest |fitted − input| implied vol.</summary>
public sealed record SviFit(SviSlice Slice, double MaxVolError);

/// <summary>
/// Fits Gatheral's raw SVI (margin's <see cref="SviSlice"/>) to (log-moneyness, implied vol) points, least squares in
/// total variance. For a fixed (m, σ) the model w = a + c·(k − m) + b·√((k − m)² + σ²) is linear in (a, c = bρ, b), so
/// those come from a 3×3 normal-equation solve (the "quasi-explicit" method of Zeliade, 2009); (m, σ) come from a grid
/// and then a shrinking pattern search. Every step is plain double arithmetic in a fixed order: the same points give
/// the same parameters.
/// </summary>
public static class SviFitter
{
    private const int GridSteps = 24;
    private const int RefineRounds = 80;
    private const double MaxRho = 0.999;

    public static SviFit Fit(double years, IReadOnlyList<(double LogMoneyness, double Volatility)> points)
    {
        if (!(years > 0))
        {
            throw new VolFitException($"years to expiry must be positive, got {years}");
        }

        if (points.Count < 5)
        {
            throw new VolFitException($"an SVI fit needs at least 5 points, got {points.Count}");
        }

        var k = points.Select(p => p.LogMoneyness).ToArray();
        var w = points.Select(p => p.Volatility * p.Volatility * years).ToArray();
        var (kMin, kMax) = (k.Min(), k.Max());
        var span = Math.Max(kMax - kMin, 0.05);

        var best = (Error: double.PositiveInfinity, M: 0.0, Sigma: 0.1, A: 0.0, B: 0.0, Rho: 0.0);
        for (var i = 0; i <= GridSteps; i++)
        {
            var m = kMin - 0.5 * span + 2.0 * span * i / GridSteps;
            for (var j = 0; j <= GridSteps; j++)
            {
                var sigma = 0.001 * Math.Pow(2000.0, (double)j / GridSteps);
                Consider(m, sigma);
            }
        }

        var (stepM, stepSigma) = (span / GridSteps, 0.3);
        for (var round = 0; round < RefineRounds; round++)
        {
            var improved = false;
            foreach (var (dm, ds) in new[] { (stepM, 0.0), (-stepM, 0.0), (0.0, stepSigma), (0.0, -stepSigma) })
            {
                var before = best.Error;
                Consider(best.M + dm, best.Sigma * Math.Exp(ds));
                improved |= best.Error < before;
            }

            if (!improved)
            {
                (stepM, stepSigma) = (stepM / 2, stepSigma / 2);
            }
        }

        if (double.IsPositiveInfinity(best.Error))
        {
            throw new VolFitException("no SVI parameters fit these points (every candidate gave a negative or degenerate smile)");
        }

        SviSlice slice;
        try
        {
            slice = new SviSlice(years, best.A, best.B, best.Rho, best.M, best.Sigma);
        }
        catch (ArgumentException e)
        {
            throw new VolFitException($"the best SVI fit is not a valid smile: {e.Message}");
        }

        var maxError = points.Max(p => Math.Abs(slice.Volatility(p.LogMoneyness) - p.Volatility));
        return new SviFit(slice, maxError);

        void Consider(double m, double sigma)
        {
            if (!(sigma > 1e-6) || !double.IsFinite(m))
            {
                return;
            }

            if (SolveLinear(k, w, m, sigma) is not { } p)
            {
                return;
            }

            // The minimum of total variance must stay positive, or the smile has no volatility there.
            if (p.A + p.B * sigma * Math.Sqrt(1 - p.Rho * p.Rho) <= 0 || p.B * (1 + Math.Abs(p.Rho)) > SviSlice.MaxWingSlope)
            {
                return;
            }

            var error = 0.0;
            for (var i = 0; i < k.Length; i++)
            {
                var x = k[i] - m;
                var fitted = p.A + p.B * (p.Rho * x + Math.Sqrt(x * x + sigma * sigma));
                error += (fitted - w[i]) * (fitted - w[i]);
            }

            if (error < best.Error)
            {
                best = (error, m, sigma, p.A, p.B, p.Rho);
            }
        }
    }

    /// <summary>Least squares (a, b, ρ) for fixed (m, σ); null when the system is singular.</summary>
    private static (double A, double B, double Rho)? SolveLinear(double[] k, double[] w, double m, double sigma)
    {
        var n = k.Length;
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, sw = 0, sxw = 0, syw = 0;
        for (var i = 0; i < n; i++)
        {
            var x = k[i] - m;
            var y = Math.Sqrt(x * x + sigma * sigma);
            sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; sw += w[i]; sxw += x * w[i]; syw += y * w[i];
        }

        // Unknowns (a, c, b) of w = a + c·x + b·y.
        if (Solve3([[n, sx, sy], [sx, sxx, sxy], [sy, sxy, syy]], [sw, sxw, syw]) is not { } s)
        {
            return null;
        }

        var (a, c, b) = (s[0], s[1], s[2]);
        if (b > 0 && Math.Abs(c) <= MaxRho * b)
        {
            return (a, b, c / b);
        }

        // Outside b ≥ 0, |ρ| < 1: fix ρ at the boundary it crossed and refit (a, b) for w = a + b·(ρx + y).
        var rho = b > 0 ? Math.Sign(c) * MaxRho : 0.0;
        double su = 0, suu = 0, suw = 0;
        for (var i = 0; i < n; i++)
        {
            var x = k[i] - m;
            var u = rho * x + Math.Sqrt(x * x + sigma * sigma);
            su += u; suu += u * u; suw += u * w[i];
        }

        var det = n * suu - su * su;
        if (Math.Abs(det) < 1e-18)
        {
            return null;
        }

        var bb = (n * suw - su * sw) / det;
        if (bb < 0)
        {
            return (sw / n, 0.0, 0.0);
        }

        return ((sw - bb * su) / n, bb, rho);
    }

    private static double[]? Solve3(double[][] m, double[] r)
    {
        var det = Det(m);
        if (Math.Abs(det) < 1e-18)
        {
            return null;
        }

        var result = new double[3];
        for (var col = 0; col < 3; col++)
        {
            var replaced = m.Select(row => row.ToArray()).ToArray();
            for (var row = 0; row < 3; row++)
            {
                replaced[row][col] = r[row];
            }

            result[col] = Det(replaced) / det;
        }

        return result;
    }

    private static double Det(double[][] m) =>
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}
