using System.Collections.Immutable;

namespace Clearing.Settlement.Domain.Fees;

/// <summary>
/// An account's traded notional in daily buckets, for the 30-day volume that picks its fee tier. Immutable: adding
/// returns a new value; buckets older than the window are dropped as days pass.
/// </summary>
public sealed record RollingVolume
{
    public const int WindowDays = 30;

    private const long NanosPerDay = 86_400L * 1_000_000_000L;

    public static RollingVolume Empty { get; } = new();

    public ImmutableSortedDictionary<long, decimal> ByDay { get; private init; } = ImmutableSortedDictionary<long, decimal>.Empty;

    /// <summary>The first key of <see cref="ByDay"/> (when it has any), kept beside it: asking the tree costs an enumerator per fill.</summary>
    private long _oldestDay;

    /// <summary>The day number of a time: floor division, so a time before the epoch falls on a negative day.</summary>
    public static long DayOf(long timeUnixNanos)
    {
        var (day, rest) = Math.DivRem(timeUnixNanos, NanosPerDay);
        return rest < 0 ? day - 1 : day;
    }

    public RollingVolume Add(long timeUnixNanos, decimal notional)
    {
        if (notional < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(notional), notional, "notional is never negative");
        }

        var day = DayOf(timeUnixNanos);
        // Every fill lands here: the buckets are rebuilt only when one has left the window, not on each fill.
        var kept = ByDay;
        var oldest = _oldestDay;
        if (kept.Count > 0 && oldest <= day - WindowDays)
        {
            kept = kept.RemoveRange(kept.Keys.TakeWhile(d => d <= day - WindowDays).ToList());
            oldest = kept.Count > 0 ? kept.Keys.First() : day;
        }

        oldest = kept.Count == 0 ? day : Math.Min(oldest, day);
        return this with { ByDay = kept.SetItem(day, kept.GetValueOrDefault(day) + notional), _oldestDay = oldest };
    }

    /// <summary>Volume over the 30 days ending with the day of <paramref name="timeUnixNanos"/> (that day included).</summary>
    public decimal VolumeAsOf(long timeUnixNanos)
    {
        var day = DayOf(timeUnixNanos);
        var sum = 0m;
        foreach (var (d, v) in ByDay)
        {
            if (d > day - WindowDays && d <= day)
            {
                sum += v;
            }
        }

        return sum;
    }
}
