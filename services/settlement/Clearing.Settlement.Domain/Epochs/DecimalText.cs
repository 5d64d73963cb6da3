using System.Globalization;

namespace Clearing.Settlement.Domain.Epochs;

/// <summary>
/// The invariant-culture text of a decimal (what <c>decimal.ToString(CultureInfo.InvariantCulture)</c> gives: every
/// digit of the coefficient, the point placed by the scale, never an exponent) written as UTF-8. An epoch close formats
/// tens of millions of amounts; when the coefficient fits 64 bits (all but absurd amounts) formatting it as an integer
/// and placing the point is several times cheaper than the general decimal formatter, which handles the rest.
/// </summary>
public static class DecimalText
{
    /// <summary>Longest text: a sign, 29 digits and a point (a value below one at scale 28 is "0." and 28 digits).</summary>
    public const int MaxBytes = 31;

    public static int Write(decimal value, Span<byte> destination)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var magnitude = (uint)bits[0] | ((ulong)(uint)bits[1] << 32);
        if (bits[2] != 0 || magnitude == 0)
        {
            // Zero keeps its scale ("0.00") and a 96-bit coefficient needs the general path.
            return General(value, destination);
        }

        var scale = (bits[3] >> 16) & 0xFF;
        var at = 0;
        if (bits[3] < 0)
        {
            destination[at++] = (byte)'-';
        }

        Span<byte> digits = stackalloc byte[20];
        magnitude.TryFormat(digits, out var count, default, CultureInfo.InvariantCulture);
        if (scale == 0)
        {
            digits[..count].CopyTo(destination[at..]);
            return at + count;
        }

        if (scale >= count)
        {
            destination[at++] = (byte)'0';
            destination[at++] = (byte)'.';
            destination.Slice(at, scale - count).Fill((byte)'0');
            at += scale - count;
            digits[..count].CopyTo(destination[at..]);
            return at + count;
        }

        var whole = count - scale;
        digits[..whole].CopyTo(destination[at..]);
        at += whole;
        destination[at++] = (byte)'.';
        digits[whole..count].CopyTo(destination[at..]);
        return at + scale;
    }

    private static int General(decimal value, Span<byte> destination)
    {
        if (!value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"decimal {value} does not fit {destination.Length} bytes");
        }

        return written;
    }
}
