namespace Clearing.OrderGateway.Domain.Rules;

/// <summary>
/// A token bucket as a value: <see cref="Capacity"/> tokens at most, refilled at <see cref="RefillPerSecond"/>.
/// Time comes in as an argument (Unix nanoseconds), so the same inputs always give the same answer. Tokens are
/// counted in nano-tokens (1e-9) in a long: exact, and no float drift over a long-lived bucket.
/// </summary>
public readonly record struct TokenBucket(int Capacity, int RefillPerSecond, long NanoTokens, long LastRefillUnixNanos)
{
    private const long NanoPerToken = 1_000_000_000;

    /// <summary>A full bucket as of <paramref name="nowUnixNanos"/>.</summary>
    public static TokenBucket Full(int capacity, int refillPerSecond, long nowUnixNanos)
    {
        if (capacity < 1 || refillPerSecond < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), "a token bucket needs capacity >= 1 and refill >= 1 per second");
        }

        return new TokenBucket(capacity, refillPerSecond, capacity * NanoPerToken, nowUnixNanos);
    }

    /// <summary>Whole tokens available at <paramref name="nowUnixNanos"/>.</summary>
    public long Available(long nowUnixNanos) => Refilled(nowUnixNanos).NanoTokens / NanoPerToken;

    /// <summary>Takes one token if there is one; returns the bucket after the attempt either way.</summary>
    public (bool Taken, TokenBucket Bucket) TryTake(long nowUnixNanos)
    {
        var refilled = Refilled(nowUnixNanos);
        return refilled.NanoTokens >= NanoPerToken
            ? (true, refilled with { NanoTokens = refilled.NanoTokens - NanoPerToken })
            : (false, refilled);
    }

    private TokenBucket Refilled(long nowUnixNanos)
    {
        // A clock that steps back refills nothing rather than draining the bucket.
        var elapsed = Math.Max(0, nowUnixNanos - LastRefillUnixNanos);
        var max = Capacity * NanoPerToken;
        // elapsed (ns) × rate (tokens/s) = nano-tokens; capped before multiplying so it cannot overflow.
        var gained = elapsed >= max ? max : Math.Min(max, elapsed * RefillPerSecond);
        return this with
        {
            NanoTokens = Math.Min(max, NanoTokens + gained),
            LastRefillUnixNanos = Math.Max(nowUnixNanos, LastRefillUnixNanos),
        };
    }
}
