using System.Globalization;

namespace Clearing.Margin.Integration;

/// <summary>Exact decimal text in and out of the public contracts; a malformed field names itself.</summary>
public static class ContractText
{
    public static decimal Required(string text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException($"{field} is empty; an exact decimal string is required");
        }

        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{field} '{text}' is not a plain decimal number");
    }

    public static decimal? Optional(string text, string field) => string.IsNullOrWhiteSpace(text) ? null : Required(text, field);

    /// <summary>The shortest exact text: trailing zeros of the scale dropped ("176", not "176.000").</summary>
    public static string Text(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    public static string Text(decimal? value) => value is { } v ? Text(v) : "";

    public static long UnixNanos(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static DateTimeOffset FromUnixNanos(long nanos) => DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);
}
