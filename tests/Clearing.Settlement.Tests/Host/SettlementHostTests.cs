using Clearing.Cli.Commands;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Settlement.V1;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Primitives.Markets;
using Clearing.ServiceDefaults.Configuration;
using Clearing.Settlement.Application;
using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Ledger;
using LedgerEntryKind = Clearing.Settlement.Domain.Ledger.LedgerEntryKind;
using Clearing.Settlement.Domain.Proofs;
using Clearing.Settlement.Integration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Settlement.Tests.Host;

/// <summary>The host's processors over a real SQLite store: store first, inbox in the state, replay after a restart.</summary>
public sealed class SettlementHostTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-settlement-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(Start);
    private SqliteEventStore _store = null!;

    private static readonly SettlementOptions Options = new()
    {
        Epochs = new EpochOptions { SaltSecret = new string('a', 64), StatementShards = 4 },
    };

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")), _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private LedgerProcessor Ledger() => new(
        _store,
        new SaltSecretProvider(_store, Microsoft.Extensions.Options.Options.Create(Options)),
        Microsoft.Extensions.Options.Options.Create(Options),
        Microsoft.Extensions.Options.Options.Create(new ClearingOptions { DataDirectory = _directory, ServiceName = "settlement" }),
        _time,
        NullLogger<LedgerProcessor>.Instance);

    private static LedgerEntryReceived Entry(long sequence, string source, long sourceSequence, LedgerEntryKind kind, params (string Account, string Amount)[] postings) =>
        LedgerGateway.ToReceived(
            new LedgerEntry
            {
                EntryId = $"e-{sequence}",
                Sequence = sequence,
                TimeUnixNanos = sequence,
                Kind = (Contracts.Margin.V1.LedgerEntryKind)(int)kind,
                Reference = $"r-{sequence}",
                Postings = { postings.Select(p => new Posting { AccountId = p.Account, Asset = "USDC", Amount = p.Amount }) },
            },
            Metadata(source, sourceSequence));

    private static KafkaMessageMetadata Metadata(string source, long sequence) => new()
    {
        Topic = "t", Partition = 0, Offset = sequence, Key = "k", Id = $"{source}:{sequence}", Type = "x", Source = "margin", Subject = "k",
        Time = Start, SourceStream = source, SourceSequence = sequence,
    };

    private async Task<List<RecordedEvent>> AllAsync()
    {
        var all = new List<RecordedEvent>();
        await foreach (var e in _store.ReadAllAsync(1, int.MaxValue))
        {
            all.Add(e);
        }

        return all;
    }

    [Fact]
    public async Task ledger_entries_are_stored_before_they_count_and_a_repeat_is_skipped()
    {
        var ledger = Ledger();
        (await ledger.ReceiveAsync(Entry(1, "account-a", 0, LedgerEntryKind.Deposit, ("system:external", "-100"), ("acct-a", "100")), default)).ShouldBe(LedgerReceipt.Stored);
        (await ledger.ReceiveAsync(Entry(1, "account-a", 0, LedgerEntryKind.Deposit, ("system:external", "-100"), ("acct-a", "100")), default)).ShouldBe(LedgerReceipt.Skipped);
        (await ledger.ReceiveAsync(Entry(2, "account-a", 1, LedgerEntryKind.TradingFee, ("acct-a", "-1.5"), (LedgerAccounts.FeePool, "1.5")), default)).ShouldBe(LedgerReceipt.Stored);

        (await AllAsync()).Where(e => e.Type == "settlement.ledger-entry-received.v1").Count().ShouldBe(2);

        var restarted = await Ledger().SnapshotAsync(default);
        restarted.Book.Balance("acct-a", "USDC").ShouldBe(98.5m);
        restarted.Inbox.LastAppliedFor("account-a").ShouldBe(1);
    }

    [Fact]
    public async Task a_malformed_amount_is_stored_and_rejected_with_its_reason()
    {
        var ledger = Ledger();
        await ledger.ReceiveAsync(Entry(1, "account-a", 0, LedgerEntryKind.Deposit, ("system:external", "-1e3"), ("acct-a", "1000")), default);
        var state = await ledger.SnapshotAsync(default);
        state.Book.Rejections.Single().Reason.ShouldContain("amount '-1e3', not a decimal");
        state.Book.LastSequence.ShouldBe(1);
    }

    [Fact]
    public async Task an_epoch_close_splits_the_fee_pool_publishes_roots_writes_statements_and_serves_proofs_that_verify()
    {
        var ledger = Ledger();
        await ledger.ReceiveAsync(Entry(1, "account-a", 0, LedgerEntryKind.Deposit, ("system:external", "-100"), ("acct-a", "100")), default);
        await ledger.ReceiveAsync(Entry(2, "account-b", 0, LedgerEntryKind.Deposit, ("system:external", "-50"), ("acct-b", "50")), default);
        await ledger.ReceiveAsync(Entry(3, "account-a", 1, LedgerEntryKind.TradingFee, ("acct-a", "-10"), (LedgerAccounts.FeePool, "10")), default);

        var schedule = Options.Epochs.ToSchedule();
        var now = (Start.ToUnixTimeMilliseconds() * 1_000_000);
        var epoch = schedule.EpochAt(now);
        (await ledger.CloseDueEpochsAsync(now, default)).ShouldBe(0);
        (await ledger.CloseDueEpochsAsync(schedule.EndOf(epoch), default)).ShouldBe(1);

        var all = await AllAsync();
        var translator = new SettlementOutboxTranslator();
        var published = all.Select(translator.Translate).Where(m => m is not null).Select(m => SettlementEvent.Parser.ParseFrom(m!.Payload)).ToList();
        var fees = published.Single(e => e.EventCase == SettlementEvent.EventOneofCase.FeesDistributed).FeesDistributed;
        fees.Amount.ShouldBe("10");
        fees.Shares.Select(s => (s.AccountId, s.Amount)).ShouldBe([(LedgerAccounts.InsuranceFund, "5"), (LedgerAccounts.Treasury, "3"), ("vault-hlp", "2")]);
        (fees.PaidFromAccountId, fees.Reference).ShouldBe((LedgerAccounts.FeePool, $"fees-{epoch}-USDC"));
        var closed = published.Single(e => e.EventCase == SettlementEvent.EventOneofCase.EpochClosed).EpochClosed;
        closed.Epoch.ShouldBe(epoch);
        closed.TotalLiabilities.ShouldBe("140");
        closed.Accounts.ShouldBe(2);
        closed.FirstLedgerSequence.ShouldBe(1);
        closed.LastLedgerSequence.ShouldBe(3);
        all.Single(e => e.Type == "settlement.epoch-asset-closed.v1").StreamId.ShouldBe(LedgerProcessor.StreamOf(epoch));

        var statements = Path.Combine(_directory, "settlement", "statements", $"epoch-{epoch}");
        var jsonLines = Directory.GetFiles(statements, "*.jsonl").SelectMany(File.ReadAllLines).ToList();
        jsonLines.Count.ShouldBe(4);
        jsonLines.ShouldContain(l => l.Contains("\"accountId\":\"acct-a\"") && l.Contains("\"closing\":\"90\""));
        Directory.GetFiles(statements, "*.csv").SelectMany(File.ReadAllLines).ShouldContain("" + epoch + ",acct-a,USDC,closing,,,,,,,,90");

        var (proof, _) = await ledger.ProofAsync("acct-a", epoch, "USDC", default);
        var output = new StringWriter();
        var error = new StringWriter();
        VerifyProofCommand.Run(InclusionProofJson.Serialize(proof!), closed.RootHash, output, error).ShouldBe(VerifyProofCommand.Valid, error.ToString());

        // A restarted service rebuilds the tree from its store and serves the same proof.
        var (again, closedAgain) = await Ledger().ProofAsync("acct-b", epoch, "USDC", default);
        closedAgain!.RootHash.ShouldBe(closed.RootHash);
        ProofVerifier.Verify(again!, closed.RootHash).Valid.ShouldBeTrue();

        // The next epoch opens from the closing balances; the announced split is not paid twice.
        var next = await Ledger().SnapshotAsync(default);
        next.OpenEpoch.ShouldBe(epoch + 1);
        next.DistributableFees("USDC").ShouldBe(0m);
        next.Book.Account("acct-a")!.Find("USDC")!.Opening.ShouldBe(90m);
    }

    [Fact]
    public async Task an_epoch_close_pays_the_vault_its_share_of_liquidation_fees_out_of_the_insurance_fund_once()
    {
        var ledger = Ledger();
        await ledger.ReceiveAsync(Entry(1, "account-a", 0, LedgerEntryKind.Deposit, ("system:external", "-1000"), ("acct-a", "1000")), default);
        await ledger.ReceiveAsync(Entry(2, "account-a", 1, LedgerEntryKind.LiquidationFee, ("acct-a", "-40"), (LedgerAccounts.InsuranceFund, "40")), default);
        await ledger.ReceiveAsync(Entry(3, "account-a", 2, LedgerEntryKind.LiquidationFee, ("acct-a", "-0.00000003"), (LedgerAccounts.InsuranceFund, "0.00000003")), default);
        var schedule = Options.Epochs.ToSchedule();
        var epoch = schedule.EpochAt(Start.ToUnixTimeMilliseconds() * 1_000_000);

        (await ledger.CloseDueEpochsAsync(schedule.EndOf(epoch), default)).ShouldBe(1);
        // Margin books it (the vault's account credited, the fund debited), then the next epoch closes with no new fee.
        await ledger.ReceiveAsync(Entry(4, "account-vault-hlp", 0, LedgerEntryKind.FeeDistribution, ("vault-hlp", "20.00000001"), (LedgerAccounts.InsuranceFund, "-20.00000001")), default);
        (await Ledger().CloseDueEpochsAsync(schedule.EndOf(epoch + 1), default)).ShouldBe(1);

        var translator = new SettlementOutboxTranslator();
        var fees = (await AllAsync()).Select(translator.Translate).Where(m => m is not null).Select(m => SettlementEvent.Parser.ParseFrom(m!.Payload))
            .Where(e => e.EventCase == SettlementEvent.EventOneofCase.FeesDistributed).Select(e => e.FeesDistributed).ToList();
        var share = fees.ShouldHaveSingleItem();   // the fee pool was empty; the second close found nothing left to share
        (share.Epoch, share.PaidFromAccountId, share.Reference, share.Amount).ShouldBe((epoch, LedgerAccounts.InsuranceFund, $"liquidation-fees-{epoch}-USDC", "20.00000001"));
        share.Shares.Select(s => (s.AccountId, s.Amount)).ShouldBe([("vault-hlp", "20.00000001")]);   // half of 40.00000003, cut to 8 decimals
        var restarted = await Ledger().SnapshotAsync(default);
        (restarted.UnsharedLiquidationFees("USDC"), restarted.FundFree("USDC")).ShouldBe((0m, 20.00000002m));
    }

    [Fact]
    public async Task an_epoch_does_not_close_while_ledger_entries_are_missing()
    {
        var ledger = Ledger();
        await ledger.ReceiveAsync(Entry(2, "account-a", 0, LedgerEntryKind.Deposit, ("system:external", "-1"), ("acct-a", "1")), default);
        var schedule = Options.Epochs.ToSchedule();
        var end = schedule.EndOf(schedule.EpochAt(Start.ToUnixTimeMilliseconds() * 1_000_000));
        (await ledger.CloseDueEpochsAsync(end, default)).ShouldBe(0);
        await ledger.ReceiveAsync(Entry(1, "account-b", 0, LedgerEntryKind.Deposit, ("system:external", "-1"), ("acct-b", "1")), default);
        (await ledger.CloseDueEpochsAsync(end, default)).ShouldBe(1);
    }

    [Fact]
    public async Task expiry_observations_in_the_window_fix_the_twap_once_and_publish_it()
    {
        var expiry = new DateTimeOffset(2027, 3, 26, 8, 0, 0, TimeSpan.Zero);
        var market = new MarketDefinition { Symbol = "BTC-26MAR27", Kind = MarketKind.Future, Underlying = "BTC", TickSize = 0.5m, LotSize = 0.001m, Expiry = expiry };
        var processor = new ExpiryProcessor(_store, new MarketCatalog([market]), Microsoft.Extensions.Options.Options.Create(Options), NullLogger<ExpiryProcessor>.Instance);
        var expiryNanos = expiry.ToUnixTimeMilliseconds() * 1_000_000;
        var windowStart = expiryNanos - (30L * 60 * 1_000_000_000);
        var seq = 0L;
        for (var t = windowStart - (120L * 1_000_000_000); t < expiryNanos + (30L * 1_000_000_000); t += 6_000_000_000)
        {
            seq++;
            var price = t < windowStart + (15L * 60 * 1_000_000_000) ? "60000" : "60010";
            await processor.ObserveAsync("BTC", seq, t, isOk: true, price, "oracle-BTC", seq, default);
        }

        await processor.ObserveAsync("BTC", 5, windowStart, isOk: true, "1", "oracle-BTC", 5, default); // a repeat: skipped by the inbox
        await processor.ObserveAsync("ETH", 1, windowStart, isOk: true, "3000", "oracle-ETH", 1, default); // another asset: ignored
        (await processor.StateAsync(market.Symbol, default)).IsFinal.ShouldBeFalse("no update stamped at expiry plus the 30 s grace yet");
        (await processor.FixDueAsync(expiryNanos + (31L * 1_000_000_000), default)).ShouldBe(0, "the clock waits for the oracle's silence timeout");

        seq++;
        await processor.ObserveAsync("BTC", seq, expiryNanos + (30L * 1_000_000_000), isOk: true, "70000", "oracle-BTC", seq, default);
        (await processor.FixDueAsync(expiryNanos + (3600L * 1_000_000_000), default)).ShouldBe(0, "fixed once, by the update");

        var state = await processor.StateAsync(market.Symbol, default);
        state.SettlementPrice.ShouldBe(60005m);
        state.Observations.Count.ShouldBe(311); // 10 before the window (within 60 s + ... of its start) up to expiry; none after

        var fixing = (await AllAsync()).Single(e => e.Type == "settlement.price-fixed.v1");
        fixing.StreamId.ShouldBe("settlement-BTC-26MAR27");
        var message = new SettlementOutboxTranslator().Translate(fixing)!;
        message.Key.ShouldBe("BTC-26MAR27");
        var published = SettlementEvent.Parser.ParseFrom(message.Payload).PriceFixed;
        published.SettlementPrice.ShouldBe("60005");
        published.WindowEndUnixNanos.ShouldBe(expiryNanos);
    }

    [Fact]
    public async Task a_window_without_enough_fresh_index_is_recorded_as_a_failed_fixing()
    {
        var expiry = new DateTimeOffset(2027, 3, 26, 8, 0, 0, TimeSpan.Zero);
        var market = new MarketDefinition { Symbol = "BTC-26MAR27", Kind = MarketKind.Future, Underlying = "BTC", TickSize = 0.5m, LotSize = 0.001m, Expiry = expiry };
        var processor = new ExpiryProcessor(_store, new MarketCatalog([market]), Microsoft.Extensions.Options.Options.Create(Options), NullLogger<ExpiryProcessor>.Instance);
        var expiryNanos = expiry.ToUnixTimeMilliseconds() * 1_000_000;
        await processor.ObserveAsync("BTC", 1, expiryNanos - 1_000_000_000, isOk: true, "60000", "oracle-BTC", 1, default);
        (await processor.FixDueAsync(expiryNanos + (31L * 1_000_000_000), default)).ShouldBe(0);
        (await processor.StateAsync(market.Symbol, default)).IsFinal.ShouldBeFalse("the oracle may only be late, not silent");
        (await processor.FixDueAsync(expiryNanos + (151L * 1_000_000_000), default)).ShouldBe(0, "30 s grace + 2 min of silence: decided, not fixed");
        (await processor.StateAsync(market.Symbol, default)).FixingFailed.ShouldBeTrue();
        (await AllAsync()).ShouldContain(e => e.Type == "settlement.fixing-failed.v1");
    }

    [Fact]
    public async Task a_consumer_running_behind_the_clock_fixes_on_the_whole_window_once_the_index_passes_expiry()
    {
        var expiry = new DateTimeOffset(2027, 3, 26, 8, 0, 0, TimeSpan.Zero);
        var market = new MarketDefinition { Symbol = "BTC-26MAR27", Kind = MarketKind.Future, Underlying = "BTC", TickSize = 0.5m, LotSize = 0.001m, Expiry = expiry };
        var processor = new ExpiryProcessor(_store, new MarketCatalog([market]), Microsoft.Extensions.Options.Options.Create(Options), NullLogger<ExpiryProcessor>.Instance);
        var expiryNanos = expiry.ToUnixTimeMilliseconds() * 1_000_000;
        const long second = 1_000_000_000;
        var seq = 0L;
        for (var t = expiryNanos - (30L * 60 * second); t < expiryNanos - (60L * second); t += 6 * second)
        {
            seq++;
            await processor.ObserveAsync("BTC", seq, t, isOk: true, "60000", "oracle-BTC", seq, default);
        }

        // The clock is well past expiry plus grace, but the last minute of the window is still in the topic.
        (await processor.FixDueAsync(expiryNanos + (90L * second), default)).ShouldBe(0);
        (await processor.StateAsync(market.Symbol, default)).IsFinal.ShouldBeFalse();
        for (var t = expiryNanos - (60L * second); t <= expiryNanos + (30L * second); t += 6 * second)
        {
            seq++;
            await processor.ObserveAsync("BTC", seq, t, isOk: true, "61200", "oracle-BTC", seq, default);
        }

        // 29 minutes at 60000 and the last minute at 61200: (29 × 60000 + 61200) / 30 = 60040.
        var state = await processor.StateAsync(market.Symbol, default);
        state.SettlementPrice.ShouldBe(60040m);
        var fixing = (await AllAsync()).Single(e => e.Type == "settlement.price-fixed.v1");
        SettlementSerialization.Serializer.Deserialize(fixing).ShouldBeOfType<SettlementPriceFixedRecorded>().AtUnixNanos.ShouldBe(expiryNanos + (30L * second));
    }
}
