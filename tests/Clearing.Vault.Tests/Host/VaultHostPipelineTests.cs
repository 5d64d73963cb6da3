using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Domain.Quoting;
using Clearing.Vault.Integration;
using Clearing.Vault.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Vault.Tests.Host;

/// <summary>
/// The host's pipeline in-process over a real SQLite store: oracle prices into the view, the quoting loop into a recording
/// gateway, matching and liquidation messages into the books.
/// </summary>
public sealed class VaultHostPipelineTests : IAsyncDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly QuotingHarness _harness = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingSink _sink = new();
    private readonly QuotingLoop _loop;
    private long _matchingSequence;

    public VaultHostPipelineTests() => _loop = _harness.Loop(_sink, TimeSpan.FromMilliseconds(250));

    private void Price(decimal index, PriceStatus status = PriceStatus.Ok) => _harness.Price(index, status);

    private KafkaInboundMessage<T> Message<T>(T payload, string stream, long sequence) => _harness.Message(payload, stream, sequence);

    private Task DepositAsync(decimal amount) => _harness.DepositAsync(amount);

    [Fact]
    public async Task the_vault_quotes_around_the_index_and_its_quotes_are_gone_on_the_first_pass_after_the_oracle_turns_stale()
    {
        await DepositAsync(1_000_000m);
        Price(50_000m);

        await _loop.PassAsync(None);

        _sink.Placed.Select(p => (p.Quote.Side, p.Quote.Price, p.Quote.Size)).ShouldBe([(QuoteSide.Bid, 49_975m, 0.1m), (QuoteSide.Ask, 50_025m, 0.1m)]);
        _harness.Live.In("BTC-PERP").Count.ShouldBe(2);

        _harness.Time.Advance(TimeSpan.FromMilliseconds(250));
        Price(50_000m, PriceStatus.Stale);
        await _loop.PassAsync(None);

        _sink.Cancelled.Count.ShouldBe(2);
        _harness.Live.In("BTC-PERP").ShouldBeEmpty();
        _sink.Placed.Count.ShouldBe(2);   // nothing new placed while stale
    }

    [Fact]
    public async Task a_fill_of_a_quote_books_the_position_and_its_fee_and_the_next_pass_replaces_the_quote_skewed()
    {
        await DepositAsync(1_000_000m);
        Price(50_000m);
        await _loop.PassAsync(None);
        var bid = _sink.Placed.Single(p => p.Quote.Side == QuoteSide.Bid);
        var matching = new MatchingInput(_harness.Ledger, _harness.Live, new VaultAccount("vault-hlp"));
        var fill = new MatchingEvent
        {
            Market = "BTC-PERP", TimeUnixNanos = 1,
            Fill = new Fill
            {
                FillId = "BTC-PERP:1", Price = "49975", Quantity = "0.1", TakerSide = Side.Sell, TakerAccountId = "acct-7", TakerOrderId = "t-1",
                MakerAccountId = "vault-hlp", MakerOrderId = bid.OrderId, TakerFee = "2.49875", MakerFee = "0.499750",
            },
        };

        var others = new MatchingEvent
        {
            Market = "BTC-PERP", TimeUnixNanos = 2,
            Fill = new Fill
            {
                FillId = "BTC-PERP:2", Price = "50000", Quantity = "1", TakerSide = Side.Buy, TakerAccountId = "acct-7", TakerOrderId = "t-2",
                MakerAccountId = "acct-8", MakerOrderId = "m-1", TakerFee = "25", MakerFee = "5",
            },
        };

        await matching.HandleAsync(Message(fill, "book-BTC-PERP", ++_matchingSequence), None);
        await matching.HandleAsync(Message(fill, "book-BTC-PERP", _matchingSequence), None);   // a repeat changes nothing
        var version = (await _harness.Ledger.LoadAsync(None)).Version;
        await matching.HandleAsync(Message(others, "book-BTC-PERP", ++_matchingSequence), None);
        var loaded = await _harness.Ledger.LoadAsync(None);
        var state = loaded.State;

        state.Positions["BTC-PERP"].Size.ShouldBe(0.1m);
        state.FeesOwed.ShouldBe(0.49975m);
        // Fee share is not accrued per fill: a fill between two other accounts does not touch the vault's stream.
        (state.TradingFeeIncome, loaded.Version).ShouldBe((0m, version));
        _harness.Live.In("BTC-PERP").Select(q => q.Side).ShouldBe([QuoteSide.Ask]);

        await _loop.PassAsync(None);

        var newBid = _sink.Placed.Last(p => p.Quote.Side == QuoteSide.Bid);
        newBid.Quote.Price.ShouldBeLessThan(49_975m);   // long now: the bid steps back
    }

    [Fact]
    public async Task a_takeover_from_the_liquidation_topic_and_a_liquidation_fee_share_from_the_margin_ledger_reach_the_books_and_the_nav_history()
    {
        await DepositAsync(100_000m);
        Price(44_000m);
        var liquidation = new LiquidationInput(_harness.Ledger);
        var takeover = new LiquidationEvent
        {
            AccountId = "acct-1", LiquidationId = "acct-1:1", TimeUnixNanos = 1,
            TransferredToVault = new TransferredToVault { VaultId = "hlp", Market = "BTC-PERP", Size = "0.5", BankruptcyPrice = "45000", MarkPrice = "44000", Side = Side.Sell, VaultAccountId = "vault-hlp" },
        };
        var sliceFee = new LiquidationEvent
        {
            AccountId = "acct-2", LiquidationId = "acct-2:1", TimeUnixNanos = 2,
            SliceFilled = new SliceFilled { Market = "BTC-PERP", FillId = "BTC-PERP:9", LiquidationFee = "40" },
        };
        // Settlement's epoch close paid half of it out of the insurance fund; margin booked it on the vault's account.
        var share = new LedgerEntry
        {
            EntryId = "account-vault-hlp:3:0", Sequence = 2, Kind = LedgerEntryKind.FeeDistribution, Reference = "liquidation-fees-7-USDC", AccountId = "vault-hlp", TimeUnixNanos = 3,
            Postings = { new Posting { AccountId = "vault-hlp", Asset = "USDC", Amount = "20" }, new Posting { AccountId = "system:insurance-fund", Asset = "USDC", Amount = "-20" } },
        };

        await liquidation.HandleAsync(Message(takeover, "liquidation-acct-1", 5), None);
        await liquidation.HandleAsync(Message(sliceFee, "liquidation-acct-2", 3), None);   // the fee itself is the fund's, not the vault's
        await new MarginLedgerInput(_harness.Ledger).HandleAsync(Message(share, "ledger-main", 1), None);
        await _harness.Ledger.TickAsync(TimeSpan.FromMinutes(1), None);
        var state = (await _harness.Ledger.LoadAsync(None)).State;

        state.Positions["BTC-PERP"].Size.ShouldBe(0.5m);            // the liquidated long sold, the vault bought
        state.BackstopLosses["BTC-PERP"].ShouldBe(500m);
        state.LiquidationFeeIncome.ShouldBe(20m);
        state.RecentFeeIncome.Single().Reference.ShouldBe("liquidation-fees-7-USDC");
        state.LastNav!.Nav.ShouldBe(100_000m - 500m + 20m);
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private sealed class RecordingSink : IQuoteSink
    {
        public List<(string Market, string OrderId, Quote Quote)> Placed { get; } = [];

        public List<string> Cancelled { get; } = [];

        public Task<bool> PlaceAsync(string market, string orderId, Quote quote, CancellationToken cancellationToken)
        {
            Placed.Add((market, orderId, quote));
            return Task.FromResult(true);
        }

        public Task<bool> CancelAsync(string market, string orderId, CancellationToken cancellationToken)
        {
            Cancelled.Add(orderId);
            return Task.FromResult(true);
        }

        public Task<bool> CancelAllAsync(string market, CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
