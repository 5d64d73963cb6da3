using System.Globalization;
using Clearing.Margin.Domain.Options;

namespace Clearing.OracleIngest.Domain.Volatility;

/// <summary>
/// Static-arbitrage checks of a published surface. Butterfly (within one expiry): Durrleman's condition
/// g(k) = (1 − k·w′/(2w))² − (w′²/4)·(1/w + 1/4) + w″/2 ≥ 0, i.e. the risk-neutral density implied by the smile is
/// non-negative. Calendar (across expiries): total variance must not fall with time at any log-moneyness, which
/// margin's <see cref="VolatilitySurface"/> checks when it is built.
/// </summary>
public static class SmileArbitrage
{
    /// <summary>Log-moneyness range checked: ±3 is margin's calendar grid too (strikes from 5% to 20× the forward).</summary>
    public const double Range = 3.0;
    public const double Step = 0.01;

    /// <summary>Null when the slice is free of butterfly arbitrage, else the first violation.</summary>
    public static string? Butterfly(SviSlice slice)
    {
        for (var i = 0; i <= (int)Math.Round(2 * Range / Step); i++)
        {
            var k = -Range + i * Step;
            var x = k - slice.M;
            var r = Math.Sqrt(x * x + slice.Sigma * slice.Sigma);
            var w = slice.A + slice.B * (slice.Rho * x + r);
            if (w <= 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"butterfly arbitrage: total variance {w:G6} is not positive at log-moneyness {k:0.00}");
            }

            var w1 = slice.B * (slice.Rho + x / r);
            var w2 = slice.B * slice.Sigma * slice.Sigma / (r * r * r);
            var g = Math.Pow(1 - k * w1 / (2 * w), 2) - w1 * w1 / 4 * (1 / w + 0.25) + w2 / 2;
            if (g < -1e-9)
            {
                return string.Create(CultureInfo.InvariantCulture, $"butterfly arbitrage: Durrleman's g(k) = {g:G6} < 0 at log-moneyness {k:0.00} (negative implied density)");
            }
        }

        return null;
    }

    /// <summary>Null when the slices (any order) form a calendar-arbitrage-free surface, else the reason.</summary>
    public static string? Calendar(IEnumerable<SviSlice> slices)
    {
        try
        {
            _ = new VolatilitySurface(slices);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message.Split(" (Parameter", 2)[0];
        }
    }
}
