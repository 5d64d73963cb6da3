using System.Globalization;

namespace Clearing.Matching.Domain.Instruments;

/// <summary>
/// Strict decimal text ↔ <see cref="decimal"/>: digits with an optional sign and point, nothing else, and never a
/// silent rounding (decimal.Parse rounds past 28 significant digits, which could make an off-tick price look on-tick).
/// </summary>
public static class DecimalText
{
    public static bool TryParse(string? text, out decimal value, out string error)
    {
        value = 0;
        error = "";
        if (string.IsNullOrEmpty(text))
        {
            error = "empty number";
            return false;
        }
        var span = text.AsSpan();
        var start = span[0] is '-' or '+' ? 1 : 0;
        int integerDigits = 0, fractionDigits = 0;
        var seenPoint = false;
        for (var i = start; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '.')
            {
                if (seenPoint)
                {
                    error = $"'{text}' has two decimal points";
                    return false;
                }
                seenPoint = true;
            }
            else if (c is >= '0' and <= '9')
            {
                if (seenPoint)
                {
                    fractionDigits++;
                }
                else
                {
                    integerDigits++;
                }
            }
            else
            {
                error = $"'{text}' is not a decimal number";
                return false;
            }
        }
        if (integerDigits + fractionDigits == 0 || (seenPoint && (integerDigits == 0 || fractionDigits == 0)))
        {
            error = $"'{text}' is not a decimal number";
            return false;
        }
        var trimmed = span[start..].TrimStart('0');
        if (seenPoint)
        {
            trimmed = trimmed.TrimEnd('0').TrimEnd('.');
        }
        var significant = trimmed.Length - (trimmed.Contains('.') ? 1 : 0);
        if (significant > 28)
        {
            error = $"'{text}' has more than 28 significant digits";
            return false;
        }
        if (!decimal.TryParse(span, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value))
        {
            error = $"'{text}' is out of range";
            return false;
        }
        return true;
    }

    /// <summary>Shortest exact text: no exponent, no trailing zeros ("0.1", "50000", "50000.5").</summary>
    public static string Format(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);
}
