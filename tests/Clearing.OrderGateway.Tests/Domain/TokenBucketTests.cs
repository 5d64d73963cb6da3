using Clearing.OrderGateway.Domain.Rules;

namespace Clearing.OrderGateway.Tests.Domain;

public sealed class TokenBucketTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void a_full_bucket_gives_its_burst_then_refuses()
    {
        var bucket = TokenBucket.Full(capacity: 3, refillPerSecond: 1, nowUnixNanos: 0);
        for (var i = 0; i < 3; i++)
        {
            (var taken, bucket) = bucket.TryTake(0);
            taken.ShouldBeTrue();
        }

        bucket.TryTake(0).Taken.ShouldBeFalse();
    }

    [Fact]
    public void tokens_come_back_at_the_refill_rate_and_never_beyond_capacity()
    {
        var bucket = TokenBucket.Full(capacity: 2, refillPerSecond: 4, nowUnixNanos: 0);
        bucket = bucket.TryTake(0).Bucket.TryTake(0).Bucket;
        bucket.Available(Second / 4 - 1).ShouldBe(0);
        bucket.Available(Second / 4).ShouldBe(1);
        bucket.Available(100 * Second).ShouldBe(2);
    }

    [Fact]
    public void a_clock_stepping_back_neither_refills_nor_drains()
    {
        var bucket = TokenBucket.Full(capacity: 2, refillPerSecond: 1, nowUnixNanos: 10 * Second).TryTake(10 * Second).Bucket;
        bucket.Available(5 * Second).ShouldBe(1);
        bucket.TryTake(5 * Second).Bucket.Available(10 * Second).ShouldBe(0);
    }

    [Fact]
    public void the_same_inputs_give_the_same_bucket()
    {
        var a = TokenBucket.Full(5, 3, 0).TryTake(7).Bucket.TryTake(Second).Bucket;
        var b = TokenBucket.Full(5, 3, 0).TryTake(7).Bucket.TryTake(Second).Bucket;
        a.ShouldBe(b);
    }
}
