namespace Clearing.Parameters;

/// <summary>Times on the public contracts are Unix nanoseconds; .NET keeps 100 ns ticks, so the last two digits are dropped.</summary>
public static class ParameterTime
{
    public static long UnixNanos(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;

    public static DateTimeOffset FromUnixNanos(long nanos) => DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);
}
