using System.Globalization;

namespace Clearing.Liquidation.Integration;

/// <summary>Exact decimal strings and Unix-nanosecond times of the public contracts.</summary>
public static class ContractText
{
    private const NumberStyles Style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public static decimal Required(string text, string field) =>
        decimal.TryParse(text, Style, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{field} '{text}' is not an exact decimal string such as \"50000.5\"");

    /// <summary>Empty means zero (proto3 leaves unset strings empty).</summary>
    public static decimal Optional(string text, string field) => string.IsNullOrEmpty(text) ? 0m : Required(text, field);

    public static string Of(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    public static DateTimeOffset Time(long unixNanos) => DateTimeOffset.UnixEpoch.AddTicks(unixNanos / 100);

    public static long Nanos(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;
}
