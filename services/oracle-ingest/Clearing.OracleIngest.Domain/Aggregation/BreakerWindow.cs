using System.Collections.Immutable;
using System.Globalization;

namespace Clearing.OracleIngest.Domain.Aggregation;

/// <summary>
/// The circuit breaker's memory: the lowest and highest candidate index in each tenth of the window. Ten buckets keep
/// the check O(1) per report however often publishers push, at the price of the window's edge being one bucket coarse.
/// </summary>
public static class BreakerWindow
{
    public const int Buckets = 10;

    public static long BucketWidth(long windowNanos) => Math.Max(1, windowNanos / Buckets);

    public static ImmutableList<WindowBucket> Add(ImmutableList<WindowBucket> window, long now, decimal candidate, long windowNanos)
    {
        var width = BucketWidth(windowNanos);
        var start = now - (((now % width) + width) % width);
        var pruned = Prune(window, now, windowNanos);
        if (pruned.Count > 0 && pruned[^1].StartUnixNanos == start)
        {
            var last = pruned[^1];
            return pruned.SetItem(pruned.Count - 1, last with { Low = Math.Min(last.Low, candidate), High = Math.Max(last.High, candidate) });
        }

        return pruned.Add(new WindowBucket(start, candidate, candidate));
    }

    /// <summary>A trip when <paramref name="candidate"/> is further than the band from the window's low or high.</summary>
    public static CircuitBreakerTripped? CheckTrip(string asset, ImmutableList<WindowBucket> window, decimal candidate, long now, OracleParameters parameters)
    {
        if (Range(window, now, parameters.BreakerWindowNanos) is not { } range)
        {
            return null;
        }

        var move = Math.Max((candidate - range.Low) / range.Low, (range.High - candidate) / range.High);
        return move > parameters.BreakerBand
            ? new CircuitBreakerTripped(asset, now, range.Low, range.High, candidate, Math.Round(move, 6), parameters.BreakerBand, parameters.BreakerWindowNanos)
            : null;
    }

    /// <summary>
    /// The reason the breaker clears, or null to keep it: the settle time has passed since the trip and every candidate in
    /// the window since then (this one included) lies within the band.
    /// </summary>
    public static string? Settled(OracleAssetState state, decimal candidate, long now, OracleParameters parameters)
    {
        if (now - state.BreakerTrippedAtUnixNanos < parameters.BreakerSettleNanos)
        {
            return null;
        }

        var range = Range(state.Window, now, parameters.BreakerWindowNanos) ?? (candidate, candidate);
        var low = Math.Min(range.Low, candidate);
        var high = Math.Max(range.High, candidate);
        var spread = (high - low) / low;
        return spread <= parameters.BreakerBand
            ? string.Create(CultureInfo.InvariantCulture, $"prices settled: the index stayed within {spread:P2} of its low for the last window, band {parameters.BreakerBand:P2}")
            : null;
    }

    private static ImmutableList<WindowBucket> Prune(ImmutableList<WindowBucket> window, long now, long windowNanos)
    {
        var width = BucketWidth(windowNanos);
        var drop = 0;
        while (drop < window.Count && window[drop].StartUnixNanos + width <= now - windowNanos)
        {
            drop++;
        }

        return drop == 0 ? window : window.RemoveRange(0, drop);
    }

    private static (decimal Low, decimal High)? Range(ImmutableList<WindowBucket> window, long now, long windowNanos)
    {
        var width = BucketWidth(windowNanos);
        decimal? low = null, high = null;
        foreach (var bucket in window)
        {
            if (bucket.StartUnixNanos + width <= now - windowNanos)
            {
                continue;
            }

            low = low is null ? bucket.Low : Math.Min(low.Value, bucket.Low);
            high = high is null ? bucket.High : Math.Max(high.Value, bucket.High);
        }

        return low is null ? null : (low.Value, high!.Value);
    }
}
