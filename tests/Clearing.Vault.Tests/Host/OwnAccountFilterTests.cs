using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Messaging.Kafka;
using Clearing.Vault.Application;
using Clearing.Vault.Integration;
using Clearing.Vault.Tests.Support;
using Google.Protobuf;

namespace Clearing.Vault.Tests.Host;

/// <summary>
/// The vault's matching and ledger consumers parse only payloads that name its account; the rest reach the handlers as
/// empty messages, which change nothing, while the vault's own fills and ledger entries are booked as before.
/// </summary>
public sealed class OwnAccountFilterTests : IAsyncDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly MatchingEvent Skipped = new();
    private readonly QuotingHarness _harness = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    private static readonly LedgerEntry OthersTrade = new()
    {
        EntryId = "account-acct-7:4:0", Sequence = 1, Kind = LedgerEntryKind.TradingFee, AccountId = "acct-7", TimeUnixNanos = 1,
        Postings = { new Posting { AccountId = "acct-7", Asset = "USDC", Amount = "-5" }, new Posting { AccountId = "system:fee-pool", Asset = "USDC", Amount = "5" } },
    };

    private static readonly LedgerEntry FeeShare = new()
    {
        EntryId = "account-vault-hlp:3:0", Sequence = 2, Kind = LedgerEntryKind.FeeDistribution, Reference = "liquidation-fees-7-USDC", AccountId = "vault-hlp", TimeUnixNanos = 3,
        Postings = { new Posting { AccountId = "vault-hlp", Asset = "USDC", Amount = "20" }, new Posting { AccountId = "system:insurance-fund", Asset = "USDC", Amount = "-20" } },
    };

    private static MatchingEvent Fill(long sequence, string taker, string maker) => new()
    {
        Market = "BTC-PERP", Sequence = sequence, TimeUnixNanos = sequence,
        Fill = new Fill
        {
            FillId = $"BTC-PERP:{sequence}", Price = "50000", Quantity = "0.1", TakerSide = Side.Sell, TakerAccountId = taker, TakerOrderId = $"t-{sequence}",
            MakerAccountId = maker, MakerOrderId = $"m-{sequence}", TakerFee = "2.5", MakerFee = "0.5",
        },
    };

    [Fact]
    public void only_payloads_naming_the_vaults_account_are_parsed_once_the_account_is_bound()
    {
        var filter = new OwnAccountFilter();
        var ledger = new OwnAccountPayloadDeserializer<LedgerEntry>(filter, new LedgerEntry());
        var matching = new OwnAccountPayloadDeserializer<MatchingEvent>(filter, Skipped);
        var metadata = _harness.Message(0, "ledger-main", 1).Metadata;

        // Unbound (or bound to no account) nothing is skipped.
        ledger.Deserialize(OthersTrade.ToByteArray(), metadata).ShouldBe(OthersTrade);

        filter.Bind("vault-hlp");

        ledger.Deserialize(OthersTrade.ToByteArray(), metadata).Kind.ShouldBe(LedgerEntryKind.Unspecified);
        ledger.Deserialize(FeeShare.ToByteArray(), metadata).ShouldBe(FeeShare);
        matching.Deserialize(Fill(1, "acct-7", "acct-8").ToByteArray(), metadata).ShouldBeSameAs(Skipped);
        matching.Deserialize(Fill(2, "acct-7", "vault-hlp").ToByteArray(), metadata).ShouldBe(Fill(2, "acct-7", "vault-hlp"));
        matching.Deserialize(new MatchingEvent { Market = "BTC-PERP", Cancelled = new OrderCancelled { AccountId = "vault-hlp", OrderId = "q-1" } }.ToByteArray(), metadata)
            .EventCase.ShouldBe(MatchingEvent.EventOneofCase.Cancelled);
        // A longer id that merely contains the vault's is parsed (and then ignored by the handler's exact comparison).
        matching.Deserialize(Fill(3, "acct-7", "vault-hlp2").ToByteArray(), metadata).EventCase.ShouldBe(MatchingEvent.EventOneofCase.Fill);
    }

    [Fact]
    public async Task runs_with_skipped_messages_book_the_vaults_own_fill_and_fee_share_once()
    {
        await _harness.DepositAsync(1_000_000m);
        var matching = new MatchingInput(_harness.Ledger, _harness.Live, new VaultAccount("vault-hlp"));
        var ledger = new MarginLedgerInput(_harness.Ledger);
        var fills = new[]
        {
            _harness.Message(Skipped, "book-BTC-PERP", 1),
            _harness.Message(Fill(2, "acct-7", "vault-hlp"), "book-BTC-PERP", 2),
            _harness.Message(Skipped, "book-BTC-PERP", 3),
        };
        var entries = new[] { _harness.Message(new LedgerEntry(), "ledger-main", 1), _harness.Message(FeeShare, "ledger-main", 2) };

        await matching.HandleBatchAsync(fills, None);
        await ledger.HandleBatchAsync(entries, None);
        await matching.HandleBatchAsync(fills, None);   // a redelivered run changes nothing
        await ledger.HandleBatchAsync(entries, None);

        var state = (await _harness.Ledger.LoadAsync(None)).State;
        state.Positions["BTC-PERP"].Size.ShouldBe(0.1m);
        state.LiquidationFeeIncome.ShouldBe(20m);
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();
}
