namespace Clearing.Funding.Domain;

/// <summary>
/// How one perpetual's funding rate is made. Every figure is per funding interval (not annualised, not per 8 hours),
/// so the rate a consumer receives is exactly what it multiplies by size × mark. The defaults follow the venues in
/// REFERENCE.md; the README next to this file gives the reason for each.
/// </summary>
public sealed record FundingParameters
{
    /// <summary>
    /// dYdX, Hyperliquid and Drift all pay funding every hour: short enough that a position rarely carries a large
    /// accrued payment into a liquidation, long enough that a single thin minute cannot decide a payment.
    /// </summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(1);

    /// <summary>Hyperliquid samples every 5 s (720 samples an hour); a one-minute push moves the hourly mean by 1/60 at most.</summary>
    public static readonly TimeSpan DefaultSamplePeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// 0.6% per hour: dYdX's cap, 600% × (IMF − MMF) per 8 hours, on its large-cap tier (IMF 2%, MMF 1.2%), paid
    /// hourly. It keeps one interval's payment below the initial–maintenance gap, so funding alone cannot push a
    /// position opened at full leverage from healthy to liquidatable in one payment (Hyperliquid's 4%/h could).
    /// </summary>
    public const decimal DefaultCap = 0.006m;

    /// <summary>
    /// dYdX's impact notional, 500 USDC / IMF, on the large-cap tier (IMF 2%): a premium counts only when a trader
    /// could actually move 25,000 USDC at it, so one small order at a silly price cannot set the rate.
    /// </summary>
    public const decimal DefaultImpactNotional = 25_000m;

    /// <summary>
    /// 0.01% per 8 hours (dYdX, Hyperliquid, BitMEX), i.e. 0.00125% per hourly interval: the quote/base borrow spread
    /// longs pay in a quiet market.
    /// </summary>
    public const decimal DefaultInterestRate = 0.0000125m;

    /// <summary>
    /// ±0.05% per 8 hours, i.e. ±0.00625% per hourly interval (Hyperliquid, BitMEX): while the premium stays within this
    /// band of the interest rate, the rate is exactly the interest rate, so noise in the premium does not pay anyone.
    /// </summary>
    public const decimal DefaultInterestBand = 0.0000625m;

    public TimeSpan Interval { get; init; } = DefaultInterval;

    public TimeSpan SamplePeriod { get; init; } = DefaultSamplePeriod;

    /// <summary>|rate| ≤ Cap, as a fraction per interval.</summary>
    public decimal Cap { get; init; } = DefaultCap;

    /// <summary>Quote-asset notional walked through each side of the book to find the impact bid and ask.</summary>
    public decimal ImpactNotional { get; init; } = DefaultImpactNotional;

    /// <summary>Interest rate per interval (I in F = P̄ + clamp(I − P̄, −band, +band)).</summary>
    public decimal InterestRate { get; init; } = DefaultInterestRate;

    /// <summary>Half-width of the dampener around the interest rate, per interval.</summary>
    public decimal InterestBand { get; init; } = DefaultInterestBand;

    public static FundingParameters Default { get; } = new();

    internal long IntervalNanos => Interval.Ticks * TimeUnits.NanosPerTick;

    internal long SamplePeriodNanos => SamplePeriod.Ticks * TimeUnits.NanosPerTick;

    /// <summary>The problems with these parameters, each naming its field (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (SamplePeriod < TimeSpan.FromMilliseconds(100))
        {
            problems.Add($"SamplePeriod must be at least 100 ms, got {SamplePeriod}");
        }

        if (Interval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"Interval must be at least 1 s, got {Interval}");
        }

        // Boundaries must fall on the sample grid, so the boundary tick both fixes the old interval and samples the new.
        if (SamplePeriod > TimeSpan.Zero && (Interval.Ticks % SamplePeriod.Ticks != 0 || Interval < SamplePeriod))
        {
            problems.Add($"Interval ({Interval}) must be a whole multiple of SamplePeriod ({SamplePeriod})");
        }

        if (Cap is <= 0 or >= 1)
        {
            problems.Add($"Cap must be in (0, 1) per interval, got {Cap}");
        }

        if (ImpactNotional <= 0)
        {
            problems.Add($"ImpactNotional must be > 0, got {ImpactNotional}");
        }

        if (InterestRate <= -1 || InterestRate >= 1)
        {
            problems.Add($"InterestRate must be in (-1, 1) per interval, got {InterestRate}");
        }

        if (InterestBand < 0 || InterestBand >= 1)
        {
            problems.Add($"InterestBand must be in [0, 1) per interval, got {InterestBand}");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming every problem.</summary>
    public FundingParameters EnsureValid(string market)
    {
        var problems = Validate();
        return problems.Count == 0
            ? this
            : throw new ArgumentException($"funding parameters of {market}: {string.Join("; ", problems)}");
    }
}

internal static class TimeUnits
{
    public const long NanosPerTick = 100;
}
