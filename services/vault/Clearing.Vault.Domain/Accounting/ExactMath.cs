using System.Numerics;

namespace Clearing.Vault.Domain.Accounting;

/// <summary>
/// a × b / c rounded down to a number of decimals, computed exactly. decimal division keeps 28–29 significant digits and
/// rounds to nearest, which can round a value just below a cent boundary up across it; share and payout amounts must
/// round one way only (toward the vault), so they are computed on integers.
/// </summary>
public static class ExactMath
{
    /// <summary>floor(a × b / c) at <paramref name="decimals"/> decimals (toward negative infinity). c must be positive.</summary>
    public static decimal MulDivFloor(decimal a, decimal b, decimal c, int decimals)
    {
        if (c <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "The divisor must be positive.");
        }

        var (na, sa) = Split(a);
        var (nb, sb) = Split(b);
        var (nc, sc) = Split(c);
        // a·b/c·10^d = (na·nb·10^(sc+d)) / (nc·10^(sa+sb))
        var numerator = na * nb * BigInteger.Pow(10, sc + decimals);
        var denominator = nc * BigInteger.Pow(10, sa + sb);
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        if (remainder.Sign < 0)
        {
            quotient -= 1;
        }

        return (decimal)quotient / Pow10(decimals);
    }

    /// <summary>Sign of a × b − c × d, exactly (decimal products may round past 28 digits).</summary>
    public static int CompareProducts(decimal a, decimal b, decimal c, decimal d)
    {
        var (na, sa) = Split(a);
        var (nb, sb) = Split(b);
        var (nc, sc) = Split(c);
        var (nd, sd) = Split(d);
        var left = na * nb;
        var right = nc * nd;
        var scaleLeft = sa + sb;
        var scaleRight = sc + sd;
        var common = Math.Max(scaleLeft, scaleRight);
        left *= BigInteger.Pow(10, common - scaleLeft);
        right *= BigInteger.Pow(10, common - scaleRight);
        return left.CompareTo(right);
    }

    /// <summary>Rounds down (toward negative infinity) to <paramref name="decimals"/>.</summary>
    public static decimal Floor(decimal value, int decimals) => Math.Round(value, decimals, MidpointRounding.ToNegativeInfinity);

    private static decimal Pow10(int decimals)
    {
        var result = 1m;
        for (var i = 0; i < decimals; i++)
        {
            result *= 10m;
        }

        return result;
    }

    private static (BigInteger Mantissa, int Scale) Split(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        var scale = (bits[3] >> 16) & 0xFF;
        return (bits[3] < 0 ? -mantissa : mantissa, scale);
    }
}
