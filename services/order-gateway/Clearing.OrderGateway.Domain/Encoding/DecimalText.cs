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

    /// <summary>The canonical text: invariant culture, no trailing zeros, "0" for zero.</summary>
    public static string Format(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    public static string Format(decimal? value) => value is { } v ? Format(v) : "";

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
