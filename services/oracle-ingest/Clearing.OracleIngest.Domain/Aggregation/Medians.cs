namespace Clearing.OracleIngest.Domain.Aggregation;

/// <summary>Exact decimal medians: the middle value, or the midpoint of the two middle values.</summary>
public static class Medians
{
    /// <summary>Median of the first <paramref name="count"/> values; sorts them in place.</summary>
    public static decimal OfInPlace(Span<decimal> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("the median of no values is undefined.", nameof(values));
        }

        values.Sort();
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2m;
    }

    public static decimal Of(IEnumerable<decimal> values)
    {
        var array = values.ToArray();
        return OfInPlace(array);
    }
}
