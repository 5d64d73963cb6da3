namespace Clearing.Settlement.Domain.Epochs;

/// <summary>
/// Epoch boundaries: epoch n covers [Origin + n·Length, Origin + (n+1)·Length) in Unix nanoseconds. The default is daily
/// at 08:00 UTC, the hour Deribit runs its daily settlement (REFERENCE.md, "Expiry settlement"), so statements line up
/// with the venue traders already reconcile against.
/// </summary>
public sealed record EpochSchedule(long OriginUnixNanos, long LengthNanos)
{
    public const long NanosPerSecond = 1_000_000_000L;

    public static EpochSchedule DailyAt0800Utc { get; } = new(8 * 3600 * NanosPerSecond, 24 * 3600 * NanosPerSecond);

    public static EpochSchedule From(TimeSpan length, TimeSpan offsetFromMidnightUtc)
    {
        if (length <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "an epoch must last longer than zero");
        }

        if (offsetFromMidnightUtc < TimeSpan.Zero || offsetFromMidnightUtc >= length)
        {
            throw new ArgumentOutOfRangeException(nameof(offsetFromMidnightUtc), offsetFromMidnightUtc, "the boundary offset must lie within one epoch length");
        }

        return new EpochSchedule(offsetFromMidnightUtc.Ticks * 100, length.Ticks * 100);
    }

    public long EpochAt(long timeUnixNanos) => (long)Math.Floor((timeUnixNanos - (decimal)OriginUnixNanos) / LengthNanos);

    public long StartOf(long epoch) => OriginUnixNanos + (epoch * LengthNanos);

    public long EndOf(long epoch) => StartOf(epoch + 1);
}
