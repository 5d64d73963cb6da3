using System.Globalization;

namespace Clearing.Parameters;

/// <summary>Small helpers shared by the parameter sets: field comparison with a direction, and bound checks with reasons.</summary>
internal static class Fields
{
    public static string Text(decimal value) => Normalized(value).ToString(CultureInfo.InvariantCulture);

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>0.10 and 0.1 are the same parameter: the canonical form drops trailing zeros.</summary>
    public static decimal Normalized(decimal value) => value / 1.000000000000000000000000000000000m;

    /// <summary>Adds a change when the values differ; <paramref name="higherLoosens"/> says which way adds risk.</summary>
    public static void Compare(List<FieldChange> changes, string field, decimal old, decimal @new, bool higherLoosens)
    {
        if (old != @new)
        {
            changes.Add(new FieldChange(field, Text(old), Text(@new), (@new > old) == higherLoosens ? ChangeDirection.Loosening : ChangeDirection.Tightening));
        }
    }

    public static void Compare(List<FieldChange> changes, string field, long old, long @new, bool higherLoosens)
    {
        if (old != @new)
        {
            changes.Add(new FieldChange(field, Text(old), Text(@new), (@new > old) == higherLoosens ? ChangeDirection.Loosening : ChangeDirection.Tightening));
        }
    }

    public static IEnumerable<string> Between(string field, decimal value, decimal min, decimal max, bool minExclusive = false)
    {
        var belowMin = minExclusive ? value <= min : value < min;
        if (belowMin || value > max)
        {
            yield return $"{field} is {Text(value)}; it must be {(minExclusive ? "above" : "at least")} {Text(min)} and at most {Text(max)}";
        }
    }

    public static IEnumerable<string> Between(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            yield return $"{field} is {Text(value)}; it must be between {Text(min)} and {Text(max)}";
        }
    }
}
