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

    public ImmutableSortedDictionary<long, decimal> ByDay { get; init; } = ImmutableSortedDictionary<long, decimal>.Empty;

    public static long DayOf(long timeUnixNanos) => (long)Math.Floor(timeUnixNanos / (decimal)NanosPerDay);

    public RollingVolume Add(long timeUnixNanos, decimal notional)
    {
        if (notional < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(notional), notional, "notional is never negative");
        }

        var day = DayOf(timeUnixNanos);
        var kept = ByDay.Where(kv => kv.Key > day - WindowDays).ToImmutableSortedDictionary();
        return this with { ByDay = kept.SetItem(day, kept.GetValueOrDefault(day) + notional) };
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
