using System.Globalization;

namespace Clearing.Settlement.Domain.Expiry;

/// <summary>An index observation from clearing.oracle.prices.v1. Only OK observations carry a usable price.</summary>
public sealed record IndexObservation(long Sequence, long TimeUnixNanos, bool IsOk, decimal Price);

/// <summary>How the settlement price is averaged.</summary>
/// <param name="WindowNanos">Length of the window ending at expiry.</param>
/// <param name="MaxSampleAgeNanos">A sample stands for at most this long after it was taken; time beyond that with no newer OK sample is a gap.</param>
/// <param name="MinCoverage">Least fraction of the window that must be covered by fresh OK samples for the price to be fixed.</param>
public sealed record TwapSettings(long WindowNanos, long MaxSampleAgeNanos, decimal MinCoverage)
{
    /// <summary>
    /// 30 minutes, as Deribit (REFERENCE.md, "Expiry settlement": the index averaged over the last 30 minutes before
    /// expiry, sampled every 6 s): long enough that moving the index for the whole window costs more than a manipulator
    /// could win on expiring positions, short enough to reflect the market at expiry. A sample counts for at most 60 s
    /// (ten of Deribit's 6 s samples), and at least half of the window must be covered.
    /// </summary>
    public static TwapSettings Default { get; } = new(30L * 60 * 1_000_000_000, 60L * 1_000_000_000, 0.5m);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (WindowNanos <= 0)
        {
            problems.Add("Window must be longer than zero");
        }

        if (MaxSampleAgeNanos <= 0)
        {
            problems.Add("MaxSampleAge must be longer than zero");
        }

        if (MinCoverage is <= 0m or > 1m)
        {
            problems.Add($"MinCoverage {MinCoverage.ToString(CultureInfo.InvariantCulture)} must be in (0, 1]");
        }

        return problems;
    }
}

/// <summary>The fixed price, or why it could not be fixed; with the figures that explain it either way.</summary>
public sealed record TwapResult(
    bool Fixed,
    decimal Price,
    decimal ExactAverage,
    long WindowStartUnixNanos,
    long WindowEndUnixNanos,
    int Samples,
    long CoveredNanos,
    IReadOnlyList<(long From, long To)> Gaps,
    string? Reason);

/// <summary>
/// Time-weighted average of the index over [expiry − window, expiry]. The index is a step function: each OK sample holds
/// from its time until the next observation, its age limit, or the window's end, whichever comes first. A non-OK
/// observation (STALE or circuit breaker) ends the previous sample early: the oracle said it no longer has a good price.
/// The last OK sample before the window carries into it (subject to its age). Uncovered time is a gap and is left out
/// of the average rather than filled with a guess; below <see cref="TwapSettings.MinCoverage"/> the price is not fixed.
/// </summary>
/// <remarks>
/// Exact: Σ price × nanoseconds is decimal, exact while prices have at most 15 significant digits (checked), and the
/// one division is rounded to the market's tick, half to even. The same observations in any arrival order give the
/// same price: they are ordered by (time, sequence) first.
/// </remarks>
public static class Twap
{
    private const int MaxSignificantDigits = 15;

    public static TwapResult Compute(IEnumerable<IndexObservation> observations, long expiryUnixNanos, TwapSettings settings, decimal tickSize)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("invalid TWAP settings: " + string.Join("; ", problems), nameof(settings));
        }

        if (tickSize <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(tickSize), tickSize, "tick size must be > 0");
        }

        var start = expiryUnixNanos - settings.WindowNanos;
        var end = expiryUnixNanos;
        var ordered = observations
            .Where(o => o.TimeUnixNanos <= end)
            .OrderBy(o => o.TimeUnixNanos)
            .ThenBy(o => o.Sequence)
            .ToList();
        foreach (var o in ordered)
        {
            if (o.IsOk && (o.Price <= 0m || SignificantDigits(o.Price) > MaxSignificantDigits))
            {
                throw new ArgumentException($"index observation {o.Sequence} has price {o.Price.ToString(CultureInfo.InvariantCulture)}: it must be > 0 with at most {MaxSignificantDigits} significant digits", nameof(observations));
            }
        }

        // Only the newest observation at or before the window start matters for the carry-in.
        var firstInside = ordered.FindIndex(o => o.TimeUnixNanos > start);
        if (firstInside < 0)
        {
            firstInside = ordered.Count;
        }

        var from = Math.Max(0, firstInside - 1);
        var weighted = 0m;
        var covered = 0L;
        var samples = 0;
        var gaps = new List<(long, long)>();
        var cursor = start;
        for (var i = from; i < ordered.Count; i++)
        {
            var o = ordered[i];
            var validFrom = Math.Max(o.TimeUnixNanos, start);
            var nextTime = i + 1 < ordered.Count ? ordered[i + 1].TimeUnixNanos : end;
            var validTo = Math.Min(Math.Min(nextTime, end), o.TimeUnixNanos + settings.MaxSampleAgeNanos);
            if (!o.IsOk || validTo <= validFrom)
            {
                continue;
            }

            if (validFrom > cursor)
            {
                gaps.Add((cursor, validFrom));
            }

            var duration = validTo - validFrom;
            weighted += o.Price * duration;
            covered += duration;
            samples++;
            cursor = validTo;
        }

        if (cursor < end)
        {
            gaps.Add((cursor, end));
        }

        var coverage = covered / (decimal)settings.WindowNanos;
        if (covered == 0 || coverage < settings.MinCoverage)
        {
            return new TwapResult(false, 0m, 0m, start, end, samples, covered, gaps,
                $"only {(coverage * 100m).ToString("0.##", CultureInfo.InvariantCulture)}% of the window is covered by fresh OK index samples ({samples} samples); at least {(settings.MinCoverage * 100m).ToString("0.##", CultureInfo.InvariantCulture)}% is required");
        }

        var average = weighted / covered;
        var price = decimal.Round(average / tickSize, 0, MidpointRounding.ToEven) * tickSize;
        return new TwapResult(true, price, average, start, end, samples, covered, gaps, null);
    }

    private static int SignificantDigits(decimal value)
    {
        var text = Canonical(value).TrimStart('-').Replace(".", string.Empty, StringComparison.Ordinal).TrimStart('0');
        return Math.Max(text.Length, 1);
    }

    private static string Canonical(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
