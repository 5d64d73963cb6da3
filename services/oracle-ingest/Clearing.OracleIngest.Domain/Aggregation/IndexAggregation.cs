using System.Globalization;

namespace Clearing.OracleIngest.Domain.Aggregation;

/// <summary>The median of one aggregation and how it was reached. <see cref="Candidate"/> is null when the quorum was not met.</summary>
public sealed record IndexResult(decimal? Candidate, IReadOnlyList<string> Publishers, IReadOnlyList<string> Outliers, string Reason);

/// <summary>
/// Index = median of the fresh reports of distinct publishers after dropping those further than k × MAD from the
/// first median; fewer than the quorum before or after dropping means no index (the caller publishes STALE with the
/// last good value, it never guesses).
/// </summary>
public static class IndexAggregation
{
    /// <summary>Most publishers aggregated on the stack; larger registries use the heap.</summary>
    private const int StackPublishers = 64;

    public static IndexResult Compute(OracleAssetState state, OracleParameters parameters, long now)
    {
        var count = state.Publishers.Count;
        var ids = new string[count];
        Span<decimal> prices = count <= StackPublishers ? stackalloc decimal[count] : new decimal[count];
        var fresh = 0;
        foreach (var (id, publisher) in state.Publishers)
        {
            // Publish times beyond the skew allowance were refused on arrival, so only age decides freshness here.
            if (publisher.Quote is { } quote && now - quote.PublishTimeUnixNanos <= parameters.StalenessNanos)
            {
                ids[fresh] = id;
                prices[fresh] = quote.Price;
                fresh++;
            }
        }

        if (fresh < parameters.Quorum)
        {
            return new IndexResult(null, Sorted(ids, fresh), [], string.Create(CultureInfo.InvariantCulture,
                $"stale: {fresh} fresh publisher(s), quorum is {parameters.Quorum}"));
        }

        Span<decimal> work = fresh <= StackPublishers ? stackalloc decimal[fresh] : new decimal[fresh];
        prices[..fresh].CopyTo(work);
        var median = Medians.OfInPlace(work);
        for (var i = 0; i < fresh; i++)
        {
            work[i] = Math.Abs(prices[i] - median);
        }

        var mad = Medians.OfInPlace(work);
        var threshold = parameters.OutlierMadMultiple * Math.Max(mad, median * parameters.MinMadFraction);
        var kept = 0;
        List<string>? outliers = null;
        var keptIds = new string[fresh];
        for (var i = 0; i < fresh; i++)
        {
            if (Math.Abs(prices[i] - median) <= threshold)
            {
                keptIds[kept] = ids[i];
                work[kept] = prices[i];
                kept++;
            }
            else
            {
                (outliers ??= []).Add(ids[i]);
            }
        }

        outliers?.Sort(StringComparer.Ordinal);
        IReadOnlyList<string> outlierList = outliers is null ? [] : outliers;
        if (kept < parameters.Quorum)
        {
            return new IndexResult(null, Sorted(keptIds, kept), outlierList, string.Create(CultureInfo.InvariantCulture,
                $"stale: {kept} publisher(s) left after dropping {outlierList.Count} outlier(s) beyond {parameters.OutlierMadMultiple} MAD, quorum is {parameters.Quorum}"));
        }

        var index = Math.Round(Medians.OfInPlace(work[..kept]), parameters.PriceDecimals, MidpointRounding.ToEven);
        return new IndexResult(index, Sorted(keptIds, kept), outlierList, string.Empty);
    }

    private static string[] Sorted(string[] ids, int count)
    {
        var result = ids[..count];
        Array.Sort(result, StringComparer.Ordinal);
        return result;
    }
}
