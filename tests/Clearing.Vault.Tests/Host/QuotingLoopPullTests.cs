using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Domain.Quoting;
using Clearing.Vault.Integration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Vault.Tests.Host;

/// <summary>
/// The running quoting loop with a clock that never ticks on its own: whatever happens between passes happens because a
/// message woke the loop, not because an interval elapsed.
/// </summary>
public sealed class QuotingLoopPullTests : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-vault-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteEventStore _store;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 4, 0, 0, TimeSpan.Zero));
    private readonly MarketPrices _prices = new();
    private readonly LiveQuotes _live = new();
    private readonly CountingSink _sink = new();
    private readonly VaultLedger _ledger;
    private readonly QuotingLoop _loop;
    private long _priceSequence;

    public QuotingLoopPullTests()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        _ledger = new VaultLedger(_store, new VaultRules { VaultId = "hlp" }, _prices, _time);
        var btc = new QuoteParameters { Market = "BTC-PERP", TickSize = 0.5m, LotSize = 0.001m, QuoteNotional = 5_000m, MaxNotional = 100_000m };
        _loop = new QuotingLoop(_ledger, _prices, _live, _sink, [btc], new Dictionary<string, string> { ["BTC-PERP"] = "BTC" },
            TimeSpan.FromHours(1), _time, NullLogger<QuotingLoop>.Instance);
    }

    [Fact]
    public async Task a_stale_price_pulls_the_quotes_at_once_without_waiting_for_the_next_pass()
    {
        await DepositAsync(1_000_000m);
        Price(PriceStatus.Ok);
        await _loop.StartAsync(CancellationToken.None);
        await Until(() => _live.In("BTC-PERP").Count == 2, "the first pass to place a bid and an ask");
        var cancelAllsBefore = _sink.CancelAlls;   // the start-up cancel-all of whatever an earlier run left

        Price(PriceStatus.Stale);

        await Until(() => _live.In("BTC-PERP").Count == 0, "the STALE price to pull the quotes");
        _sink.CancelAlls.ShouldBe(cancelAllsBefore + 1);
        _sink.Placed.ShouldBe(2);   // the clock never moved: no pass ran, only the pull
    }

    [Fact]
    public async Task a_circuit_breaker_pulls_the_quotes_but_a_price_that_stays_stale_does_not_cancel_again()
    {
        await DepositAsync(1_000_000m);
        Price(PriceStatus.Ok);
        await _loop.StartAsync(CancellationToken.None);
        await Until(() => _live.In("BTC-PERP").Count == 2, "the first pass to place a bid and an ask");
        var cancelAllsBefore = _sink.CancelAlls;

        Price(PriceStatus.CircuitBreaker);
        await Until(() => _live.In("BTC-PERP").Count == 0, "the circuit breaker to pull the quotes");
        Price(PriceStatus.Stale);
        Price(PriceStatus.Stale);
        await Task.Delay(200);

        _sink.CancelAlls.ShouldBe(cancelAllsBefore + 1);
    }

    private void Price(PriceStatus status) => _prices.Apply(new PriceUpdate
    {
        Asset = "BTC", Sequence = ++_priceSequence, TimeUnixNanos = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100, Status = status,
        IndexPrice = "50000",
        Marks = { new MarkPrice { Market = "BTC-PERP", MarkPrice_ = "50000" } },
    });

    private Task DepositAsync(decimal amount)
    {
        var text = amount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var entry = new LedgerEntry
        {
            EntryId = "account-lp-1:1:0", Sequence = 1, Kind = LedgerEntryKind.VaultDeposit, Reference = "dep-1", AccountId = "lp-1", TimeUnixNanos = 1,
            Postings = { new Posting { AccountId = "vault-hlp", Asset = "USDC", Amount = text }, new Posting { AccountId = "lp-1", Asset = "USDC", Amount = "-" + text } },
        };
        var message = new KafkaInboundMessage<LedgerEntry>(entry, new KafkaMessageMetadata
        {
            Topic = "t", Partition = 0, Offset = 0, Key = "k", Id = "ledger-main:0", Type = "x", Source = "test", Subject = "s", Time = _time.GetUtcNow(),
            SourceStream = "ledger-main", SourceSequence = 0,
        });
        return new MarginLedgerInput(_ledger).HandleAsync(message, CancellationToken.None);
    }

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
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp directory is cleaned by the OS.
        }
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
