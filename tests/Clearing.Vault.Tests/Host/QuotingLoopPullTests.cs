using Clearing.Contracts.Oracle.V1;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Quoting;
using Clearing.Vault.Integration;
using Clearing.Vault.Tests.Support;

namespace Clearing.Vault.Tests.Host;

/// <summary>
/// The running quoting loop with a clock that never ticks on its own: whatever happens between passes happens because a
/// message woke the loop, not because an interval elapsed.
/// </summary>
public sealed class QuotingLoopPullTests : IAsyncDisposable
{
    private readonly QuotingHarness _harness = new(new DateTimeOffset(2026, 11, 26, 4, 0, 0, TimeSpan.Zero));
    private readonly CountingSink _sink = new();
    private readonly QuotingLoop _loop;

    public QuotingLoopPullTests() => _loop = _harness.Loop(_sink, TimeSpan.FromHours(1));

    [Fact]
    public async Task a_stale_price_pulls_the_quotes_at_once_without_waiting_for_the_next_pass()
    {
        await DepositAsync(1_000_000m);
        Price(PriceStatus.Ok);
        await _loop.StartAsync(CancellationToken.None);
        await Until(() => _harness.Live.In("BTC-PERP").Count == 2, "the first pass to place a bid and an ask");
        var cancelAllsBefore = _sink.CancelAlls;   // the start-up cancel-all of whatever an earlier run left

        Price(PriceStatus.Stale);

        await Until(() => _harness.Live.In("BTC-PERP").Count == 0, "the STALE price to pull the quotes");
        _sink.CancelAlls.ShouldBe(cancelAllsBefore + 1);
        _sink.Placed.ShouldBe(2);   // the clock never moved: no pass ran, only the pull
    }

    [Fact]
    public async Task a_circuit_breaker_pulls_the_quotes_but_a_price_that_stays_stale_does_not_cancel_again()
    {
        await DepositAsync(1_000_000m);
        Price(PriceStatus.Ok);
        await _loop.StartAsync(CancellationToken.None);
        await Until(() => _harness.Live.In("BTC-PERP").Count == 2, "the first pass to place a bid and an ask");
        var cancelAllsBefore = _sink.CancelAlls;

        Price(PriceStatus.CircuitBreaker);
        await Until(() => _harness.Live.In("BTC-PERP").Count == 0, "the circuit breaker to pull the quotes");
        Price(PriceStatus.Stale);
        Price(PriceStatus.Stale);
        await Task.Delay(200);

        _sink.CancelAlls.ShouldBe(cancelAllsBefore + 1);
    }

    private void Price(PriceStatus status) => _harness.Price(50_000m, status);

    private Task DepositAsync(decimal amount) => _harness.DepositAsync(amount);

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}");
            }
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _loop.StopAsync(CancellationToken.None);
        _loop.Dispose();
        await _harness.DisposeAsync();
    }

    private sealed class CountingSink : IQuoteSink
    {
        private int _placed;
        private int _cancelAlls;

        public int Placed => Volatile.Read(ref _placed);

        public int CancelAlls => Volatile.Read(ref _cancelAlls);

        public Task<bool> PlaceAsync(string market, string orderId, Quote quote, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _placed);
            return Task.FromResult(true);
        }

        public Task<bool> CancelAsync(string market, string orderId, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CancelAllAsync(string market, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _cancelAlls);
            return Task.FromResult(true);
        }
    }
}
