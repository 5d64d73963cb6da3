using System.Globalization;

namespace Clearing.OrderGateway.Domain.Encoding;

/// <summary>
/// The one way the gateway reads and writes amounts: plain decimal text (digits, at most one '.', no sign, no
/// exponent, no grouping), written back without trailing zeros. The canonical encoding uses the written form, so
/// "0.10" and "0.1" sign to the same bytes.
/// </summary>
public static class DecimalText
{
    private const NumberStyles Plain = NumberStyles.AllowDecimalPoint;

    /// <summary>Null when <paramref name="text"/> is a plain non-negative decimal (value in <paramref name="value"/>); otherwise the problem.</summary>
    public static string? TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text))
        {
            return "is empty";
        }

        if (text.Length > 40 || !decimal.TryParse(text, Plain, CultureInfo.InvariantCulture, out value))
        {
            return $"'{Clip(text)}' is not a plain decimal number (digits and one '.', no sign or exponent)";
        }

        return null;
    }

    /// <summary>
    /// The canonical text: invariant culture, no trailing zeros, "0" for zero. The same characters as the custom format
    /// "0." followed by 28 '#' (every scale a decimal can have), which it was defined by (a test compares the two over
    /// every scale), produced from the general format with its trailing zeros cut: the custom-format parser ran three
    /// times per order (signature bytes, content hash, public command).
    /// </summary>
    public static string Format(decimal value)
    {
        // 29 digits, a sign and a point fit.
        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
        var digits = text[..written];
        if (digits.Contains('.'))
        {
            digits = digits.TrimEnd('0').TrimEnd('.');
        }

        // A zero that carries a sign (negated zero) prints "-0" in general format and "0" in the canonical one.
        return digits is "-0" ? "0" : new string(digits);
    }

    public static string Format(decimal? value) => value is { } v ? Format(v) : "";

    /// <summary>
    /// <see cref="Format(decimal)"/>'s characters as UTF-8 into <paramref name="destination"/> (at least 32 bytes), without
    /// a string: the canonical encoding writes every amount of every order. Returns the bytes written.
    /// </summary>
    public static int FormatUtf8(decimal value, Span<byte> destination)
    {
        if (!value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new ArgumentException("a decimal's text needs up to 32 bytes", nameof(destination));
        }

        var digits = destination[..written];
        if (digits.Contains((byte)'.'))
        {
            digits = digits.TrimEnd((byte)'0').TrimEnd((byte)'.');
        }

        if (digits.SequenceEqual("-0"u8))
        {
            destination[0] = (byte)'0';
            return 1;
        }

        return digits.Length;
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
