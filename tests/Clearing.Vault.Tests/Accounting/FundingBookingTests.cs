using System.Text.Json;
using Clearing.Contracts.Margin.V1;
using VaultEvent = Clearing.Contracts.Vault.V1.VaultEvent;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Vault.Application;
using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Integration;
using Microsoft.Extensions.Time.Testing;
using static Clearing.Vault.Tests.Support.VaultGiven;

namespace Clearing.Vault.Tests.Accounting;

/// <summary>Funding and liquidation fees margin booked on the vault's account, as the vault's books count them.</summary>
public sealed class FundingBookingTests
{
    private static VaultState Funded(VaultRules rules) =>
        Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));

    [Fact]
    public void funding_received_and_paid_move_collateral_and_nav_by_the_ledger_amount_with_balanced_postings()
    {
        var rules = Rules();
        var state = Funded(rules);
        var log = new List<object>();

        state = Apply(state, VaultBook.OnFunding(state, rules, Funding(12.5m)), log);
        state = Apply(state, VaultBook.OnFunding(state, rules, Funding(-20.25m, "ETH-PERP")), log);

        state.Collateral.ShouldBe(992.25m);
        VaultBook.Nav(state, NoMarks, T0).Nav.ShouldBe(992.25m);
        state.Funding.ShouldBe(-7.75m);
        state.FundingByMarket["BTC-PERP"].ShouldBe(12.5m);
        state.FundingByMarket["ETH-PERP"].ShouldBe(-20.25m);
        log.OfType<FundingBooked>().Select(f => f.FundingAfter).ShouldBe([12.5m, -7.75m]);
        log.ShouldAllBe(e => PostingsOf(e).Sum(p => p.Amount) == 0m);
        log.OfType<FundingBooked>().ShouldAllBe(f => f.Postings.Any(p => p.AccountId == "vault-hlp" && p.Amount == f.Amount));
    }

    [Fact]
    public void a_redelivered_funding_entry_moves_collateral_once()
    {
        var rules = Rules();
        var state = Funded(rules);
        var entry = Funding(-3m);

        state = Apply(state, VaultBook.OnFunding(state, rules, entry));

        VaultBook.OnFunding(state, rules, entry).ShouldBeEmpty();
        state.Collateral.ShouldBe(997m);
    }

    [Fact]
    public void funding_in_another_asset_or_without_a_counterparty_is_refused_naming_the_entry()
    {
        var rules = Rules();
        var state = Funded(rules);

        Should.Throw<VaultRefusedException>(() => VaultBook.OnFunding(state, rules, Funding(1m) with { Asset = "BTC", Reference = "funding:BTC-PERP:7" }))
            .Message.ShouldContain("funding:BTC-PERP:7");
        Should.Throw<VaultRefusedException>(() => VaultBook.OnFunding(state, rules, Funding(1m) with { Counterparty = "" }))
            .Message.ShouldContain("other side");
    }

    [Fact]
    public void nav_history_and_a_snapshot_keep_the_funding_to_date()
    {
        var rules = Rules();
        var state = Funded(rules);
        state = Apply(state, VaultBook.OnFunding(state, rules, Funding(-4.5m)));
        state = Apply(state, VaultBook.OnLiquidationFee(state, rules,
            new LiquidationFeeInput("BTC-PERP", "system:insurance-fund", "USDC", 2m, "vault-hlp:1", "e-9", 9, T0, new MessageSource("ledger-main", 10_000))));

        var nav = VaultBook.StrikeNav(state, NoMarks, T0).OfType<NavStruck>().Single();
        var restored = JsonSerializer.Deserialize<VaultState>(JsonSerializer.SerializeToUtf8Bytes(state, VaultJsonContext.Serializer.Options), VaultJsonContext.Serializer.Options)!;

        (nav.Funding, nav.LiquidationFeesPaid, nav.Nav).ShouldBe((-4.5m, 2m, 993.5m));
        (restored.Funding, restored.FundingByMarket["BTC-PERP"], restored.LiquidationFeesPaid, restored.Collateral).ShouldBe((-4.5m, -4.5m, 2m, 993.5m));
    }

    [Fact]
    public void a_liquidation_fee_crediting_the_vault_is_refused()
    {
        var rules = Rules();
        var state = Funded(rules);

        Should.Throw<VaultRefusedException>(() => VaultBook.OnLiquidationFee(state, rules,
                new LiquidationFeeInput("BTC-PERP", "system:insurance-fund", "USDC", -2m, "vault-hlp:1", "e-9", 9, T0, new MessageSource("ledger-main", 10_001))))
            .Message.ShouldContain("only debits");
    }

    [Fact]
    public async Task margin_ledger_funding_liquidation_fees_and_deficit_cover_on_the_vault_reach_the_books_and_the_public_topic_and_entries_booked_elsewhere_are_skipped()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clearing-vault-funding", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            await using var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(directory, "vault.db")));
            var ledger = new VaultLedger(store, new VaultRules { VaultId = "hlp" }, new MarketPrices(), new FakeTimeProvider(T0));
            var input = new MarginLedgerInput(ledger);
            var sequence = 0L;
            Task Deliver(LedgerEntryKind kind, string reference, string market, params (string Account, string Amount)[] postings)
            {
                var entry = new LedgerEntry { Sequence = ++sequence, EntryId = $"e-{sequence}", Kind = kind, Reference = reference, Market = market, TimeUnixNanos = 1,
                    AccountId = postings.First(p => !p.Account.StartsWith("system:", StringComparison.Ordinal)).Account };
                entry.Postings.AddRange(postings.Select(p => new Posting { AccountId = p.Account, Asset = "USDC", Amount = p.Amount }));
                return input.HandleAsync(new KafkaInboundMessage<LedgerEntry>(entry, new KafkaMessageMetadata
                {
                    Topic = "t", Partition = 0, Offset = sequence, Key = "ledger", Id = $"ledger-main:{sequence}", Type = "x", Source = "test", Subject = "s",
                    Time = T0, SourceStream = "ledger-main", SourceSequence = sequence,
                }), CancellationToken.None);
            }

            await Deliver(LedgerEntryKind.VaultDeposit, "dep-1", "", ("lp-1", "-1000"), ("vault-hlp", "1000"));
            await Deliver(LedgerEntryKind.Funding, "funding:BTC-PERP:3600", "BTC-PERP", ("vault-hlp", "-1.25"), ("system:funding-dust", "1.25"));
            await Deliver(LedgerEntryKind.Funding, "funding:BTC-PERP:3600", "BTC-PERP", ("acct-1", "1.25"), ("system:funding-dust", "-1.25"));   // someone else's
            await Deliver(LedgerEntryKind.LiquidationFee, "vault-hlp:1", "BTC-PERP", ("system:insurance-fund", "0.5"), ("vault-hlp", "-0.5"));
            // Booked from the vault's own sources (its fills, its takeovers): the ledger's copy must not count twice.
            await Deliver(LedgerEntryKind.RealizedPnl, "BTC-PERP:9", "BTC-PERP", ("vault-hlp", "30"), ("system:settlement", "-30"));
            await Deliver(LedgerEntryKind.TradingFee, "BTC-PERP:9", "BTC-PERP", ("system:fee-pool", "0.1"), ("vault-hlp", "-0.1"));
            await Deliver(LedgerEntryKind.Vault, "acct-2:1", "BTC-PERP", ("vault-hlp", "-7"), ("system:settlement", "7"));
            await Deliver(LedgerEntryKind.Adl, "acct-3:1#2", "BTC-PERP", ("vault-hlp", "11"), ("system:settlement", "-11"));
            await Deliver(LedgerEntryKind.InsuranceTransfer, "vault-hlp:1#3", "BTC-PERP", ("vault-hlp", "-5"), ("system:settlement", "5"));
            await Deliver(LedgerEntryKind.ExpirySettlement, "expiry:BTC-26MAR27", "BTC-26MAR27", ("vault-hlp", "9"), ("system:settlement", "-9"));
            // Money only the ledger carries: the fund covering a deficit left on the vault's account.
            await Deliver(LedgerEntryKind.InsuranceTransfer, "vault-hlp:1#4", "BTC-PERP", ("vault-hlp", "3"), ("system:insurance-fund", "-3"));

            var state = (await ledger.LoadAsync(CancellationToken.None)).State;
            (state.Collateral, state.Funding, state.LiquidationFeesPaid).ShouldBe((1_001.25m, -1.25m, 0.5m));

            var translator = new VaultOutboxTranslator();
            var published = new List<VaultEvent>();
            await foreach (var recorded in store.ReadStreamAsync(ledger.StreamId, ReadDirection.Forward, 0))
            {
                if (translator.Translate(recorded) is { } message)
                {
                    published.Add(VaultEvent.Parser.ParseFrom(message.Payload));
                }
            }

            var funding = published.Single(m => m.EventCase == VaultEvent.EventOneofCase.FundingBooked).FundingBooked;
            (funding.Market, funding.Reference, funding.EntryId, funding.Amount, funding.FundingAfter, funding.LedgerSequence).ShouldBe(("BTC-PERP", "funding:BTC-PERP:3600", "e-2", "-1.25", "-1.25", 2L));
            var fee = published.Single(m => m.EventCase == VaultEvent.EventOneofCase.LiquidationFeePaid).LiquidationFeePaid;
            (fee.Amount, fee.PaidToAccountId, fee.LedgerSequence).ShouldBe(("0.5", "system:insurance-fund", 4L));
            var cover = published.Single(m => m.EventCase == VaultEvent.EventOneofCase.DeficitCovered).DeficitCovered;
            (cover.Amount, cover.Reference, cover.LedgerSequence).ShouldBe(("3", "vault-hlp:1#4", 11L));
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // SQLite may still hold the file for a moment; the temp directory is cleaned by the OS.
            }
        }
    }
}
