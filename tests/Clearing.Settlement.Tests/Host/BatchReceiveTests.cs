using Clearing.Contracts.Margin.V1;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.ServiceDefaults.Configuration;
using Clearing.Settlement.Application;
using Clearing.Settlement.Domain.Ledger;
using Clearing.Settlement.Integration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using LedgerEntryKind = Clearing.Contracts.Margin.V1.LedgerEntryKind;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Clearing.Settlement.Tests.Host;

/// <summary>
/// A consumer batch (LedgerProcessor.ReceiveManyAsync / ReceiveFillsAsync) must leave exactly what the same messages
/// received one by one leave: the same stored events, book, volumes and fee tiers, each repeat skipped once.
/// </summary>
public sealed class BatchReceiveTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly long StartNanos = Start.ToUnixTimeMilliseconds() * 1_000_000;
    private static readonly SettlementOptions Options = new()
    {
        Epochs = new EpochOptions { SaltSecret = new string('c', 64), StatementShards = 1 },
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-settlement-batch", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(Start);
    private readonly List<SqliteEventStore> _stores = [];

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; a temp directory left behind is harmless.
        }
    }

    private SqliteEventStore Store(string name)
    {
        var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, name + ".db")), _time);
        _stores.Add(store);
        return store;
    }

    private LedgerProcessor Ledger(IEventStore store, string name) => new(
        store,
        new SaltSecretProvider(store, MsOptions.Create(Options)),
        MsOptions.Create(Options),
        MsOptions.Create(new ClearingOptions { DataDirectory = Path.Combine(_directory, name), ServiceName = "settlement" }),
        _time,
        NullLogger<LedgerProcessor>.Instance);

    private static KafkaMessageMetadata Metadata(string source, long sequence) => new()
    {
        Topic = "t", Partition = 0, Offset = sequence, Key = "k", Id = $"{source}:{sequence}", Type = "x", Source = "test", Subject = "k",
        Time = Start, SourceStream = source, SourceSequence = sequence,
    };

    private static FillVolumeRecorded Fill(string market, long sequence, string taker, string maker, string quantity) =>
        LedgerGateway.ToFillVolume(market, StartNanos + sequence, new Contracts.Matching.V1.Fill
        {
            FillId = $"{market}:{sequence}", Price = "50000", Quantity = quantity, TakerAccountId = taker, MakerAccountId = maker,
        }, Metadata($"market-{market}", sequence));

    private static LedgerEntryReceived Entry(long sequence, string account, long accountVersion, LedgerEntryKind kind, params (string Account, string Amount)[] postings)
    {
        var entry = new LedgerEntry { EntryId = $"e-{sequence}", Sequence = sequence, TimeUnixNanos = StartNanos + sequence, Kind = kind, Reference = $"r-{sequence}" };
        foreach (var (postingAccount, amount) in postings)
        {
            entry.Postings.Add(new Posting { AccountId = postingAccount, Asset = "USDC", Amount = amount });
        }

        return LedgerGateway.ToReceived(entry, Metadata($"account-{account}", accountVersion));
    }

    /// <summary>Deliveries as a consumer sees them after a rebalance: in order, with repeats inside the run and of older ones.</summary>
    private static IReadOnlyList<LedgerEntryReceived> Entries() =>
    [
        Entry(1, "acct-a", 0, LedgerEntryKind.Deposit, ("system:external", "-1000"), ("acct-a", "1000")),
        Entry(2, "acct-b", 0, LedgerEntryKind.Deposit, ("system:external", "-500"), ("acct-b", "500")),
        Entry(1, "acct-a", 0, LedgerEntryKind.Deposit, ("system:external", "-1000"), ("acct-a", "1000")),
        Entry(3, "acct-a", 1, LedgerEntryKind.TradingFee, ("acct-a", "-2.5"), (LedgerAccounts.FeePool, "2.5")),
        Entry(4, "acct-b", 1, LedgerEntryKind.TradingFee, ("acct-b", "-1.25"), (LedgerAccounts.FeePool, "1.25")),
        Entry(3, "acct-a", 1, LedgerEntryKind.TradingFee, ("acct-a", "-2.5"), (LedgerAccounts.FeePool, "2.5")),
    ];

    private static IReadOnlyList<FillVolumeRecorded> Fills() =>
    [
        Fill("BTC-PERP", 1, "acct-a", "acct-b", "2"),
        Fill("ETH-PERP", 1, "acct-c", "acct-b", "0.5"),
        Fill("BTC-PERP", 2, "acct-a", "acct-c", "1"),
        Fill("BTC-PERP", 2, "acct-a", "acct-c", "1"),
        Fill("BTC-PERP", 1, "acct-a", "acct-b", "2"),
        Fill("ETH-PERP", 2, "acct-b", "acct-a", "3"),
    ];

    private static async Task<List<(string Type, string Data)>> StoredAsync(IEventStore store)
    {
        var stored = new List<(string, string)>();
        await foreach (var e in store.ReadAllAsync(1, 10_000, LedgerProcessor.Category, CancellationToken.None))
        {
            stored.Add((e.Type, System.Text.Encoding.UTF8.GetString(e.Data.Span)));
        }

        return stored;
    }

    [Fact]
    public async Task a_run_of_ledger_entries_and_fills_leaves_what_receiving_them_one_by_one_leaves()
    {
        var singleStore = Store("single");
        var single = Ledger(singleStore, "single");
        var singleReceipts = new List<LedgerReceipt>();
        foreach (var entry in Entries())
        {
            singleReceipts.Add(await single.ReceiveAsync(entry, default));
        }

        foreach (var fill in Fills())
        {
            singleReceipts.Add(await single.ReceiveFillAsync(fill, default));
        }

        var batchStore = Store("batch");
        var batch = Ledger(batchStore, "batch");
        (await batch.ReceiveManyAsync(Entries(), default)).ShouldBe(4);
        (await batch.ReceiveFillsAsync(Fills(), default)).ShouldBe(4);
        singleReceipts.Count(r => r == LedgerReceipt.Stored).ShouldBe(8);

        (await StoredAsync(batchStore)).ShouldBe(await StoredAsync(singleStore));

        var singleBook = (await single.SnapshotAsync(default)).Book;
        var batchBook = (await batch.SnapshotAsync(default)).Book;
        batchBook.LastSequence.ShouldBe(singleBook.LastSequence);
        batchBook.SumByAsset.ShouldBe(singleBook.SumByAsset);
        batchBook.FeesBooked.ShouldBe(singleBook.FeesBooked);
        batchBook.Account("acct-a")!.Find("USDC")!.Balance.ShouldBe(997.5m);
        batchBook.Account("acct-b")!.Find("USDC")!.Balance.ShouldBe(498.75m);

        var epoch = Options.Epochs.ToSchedule().EpochAt(StartNanos);
        var end = Options.Epochs.ToSchedule().EndOf(epoch);
        await single.CloseDueEpochsAsync(end, default);
        await batch.CloseDueEpochsAsync(end, default);
        var singleTiers = (await single.FeeTiersAsync(epoch, default)).ShouldNotBeNull();
        var batchTiers = (await batch.FeeTiersAsync(epoch, default)).ShouldNotBeNull();
        batchTiers.Accounts.Select(a => (a.AccountId, a.Volume30d)).ShouldBe(singleTiers.Accounts.Select(a => (a.AccountId, a.Volume30d)));
        // acct-a: 2 + 1 BTC at 50,000 and 3 ETH-PERP at 50,000 (each fill counted once).
        batchTiers.Accounts.Single(a => a.AccountId == "acct-a").Volume30d.ShouldBe(300_000m);
    }

    [Fact]
    public async Task a_run_redelivered_after_a_restart_stores_nothing_twice()
    {
        var store = Store("restart");
        var first = Ledger(store, "restart");
        (await first.ReceiveManyAsync(Entries(), default)).ShouldBe(4);
        (await first.ReceiveFillsAsync(Fills(), default)).ShouldBe(4);
        var storedBefore = await StoredAsync(store);

        var restarted = Ledger(store, "restart");
        (await restarted.ReceiveManyAsync(Entries(), default)).ShouldBe(0);
        (await restarted.ReceiveFillsAsync(Fills(), default)).ShouldBe(0);
        (await restarted.ReceiveFillAsync(Fill("BTC-PERP", 3, "acct-a", "acct-b", "1"), default)).ShouldBe(LedgerReceipt.Stored);

        (await StoredAsync(store)).Count.ShouldBe(storedBefore.Count + 1);
    }

    [Fact]
    public async Task the_fill_handler_stores_a_runs_fills_and_ignores_its_other_matching_events()
    {
        var store = Store("handler");
        var ledger = Ledger(store, "handler");
        var handler = new FillVolumeHandler(ledger);
        var messages = new List<KafkaInboundMessage<Contracts.Matching.V1.MatchingEvent>>();
        for (var sequence = 1; sequence <= 6; sequence++)
        {
            var matching = new Contracts.Matching.V1.MatchingEvent { Market = "BTC-PERP", Sequence = sequence, TimeUnixNanos = StartNanos + sequence };
            if (sequence % 2 == 0)
            {
                matching.Fill = new Contracts.Matching.V1.Fill { FillId = $"f-{sequence}", Price = "100", Quantity = "1", TakerAccountId = "acct-a", MakerAccountId = "acct-b" };
            }
            else
            {
                matching.Rested = new Contracts.Matching.V1.OrderRested { AccountId = "acct-a", OrderId = $"o-{sequence}", Price = "100", Remaining = "1" };
            }

            messages.Add(new KafkaInboundMessage<Contracts.Matching.V1.MatchingEvent>(matching, Metadata("market-BTC-PERP", sequence)));
        }

        await handler.HandleBatchAsync(messages, default);
        await handler.HandleBatchAsync(messages.Where(m => m.Payload.EventCase != Contracts.Matching.V1.MatchingEvent.EventOneofCase.Fill).ToList(), default);

        (await StoredAsync(store)).Select(s => s.Type).ShouldBe(["settlement.fill-volume-recorded.v1", "settlement.fill-volume-recorded.v1", "settlement.fill-volume-recorded.v1"]);
    }

    [Fact]
    public async Task the_fills_consumer_parses_fills_only_and_stores_what_the_fully_parsed_run_stores()
    {
        var deserializer = new FillPayloadDeserializer();
        var parsedStore = Store("parsed");
        var filteredStore = Store("filtered");
        var parsed = new List<KafkaInboundMessage<Contracts.Matching.V1.MatchingEvent>>();
        var filtered = new List<KafkaInboundMessage<Contracts.Matching.V1.MatchingEvent>>();
        for (var sequence = 1; sequence <= 9; sequence++)
        {
            var matching = new Contracts.Matching.V1.MatchingEvent { Market = "BTC-PERP", Sequence = sequence, TimeUnixNanos = StartNanos + sequence };
            string type;
            if (sequence % 3 == 0)
            {
                matching.Fill = new Contracts.Matching.V1.Fill { FillId = $"f-{sequence}", Price = "100", Quantity = $"{sequence}", TakerAccountId = "acct-a", MakerAccountId = "acct-b" };
                type = FillPayloadDeserializer.FillType;
            }
            else
            {
                matching.Accepted = new Contracts.Matching.V1.OrderAccepted { AccountId = "acct-a", OrderId = $"o-{sequence}", Price = "100", Quantity = "1" };
                type = "clearing.matching.order-accepted.v1";
            }

            var metadata = Metadata("market-BTC-PERP", sequence) with { Type = type };
            var payload = Google.Protobuf.MessageExtensions.ToByteArray(matching);
            parsed.Add(new(Contracts.Matching.V1.MatchingEvent.Parser.ParseFrom(payload), metadata));
            var decoded = deserializer.Deserialize(payload, metadata);
            (decoded.EventCase == Contracts.Matching.V1.MatchingEvent.EventOneofCase.Fill ? decoded : null).ShouldBe(sequence % 3 == 0 ? matching : null);
            filtered.Add(new(decoded, metadata));
        }

        await new FillVolumeHandler(Ledger(parsedStore, "parsed")).HandleBatchAsync(parsed, default);
        await new FillVolumeHandler(Ledger(filteredStore, "filtered")).HandleBatchAsync(filtered, default);

        filtered.Count(m => ReferenceEquals(m.Payload, FillPayloadDeserializer.Skipped)).ShouldBe(6);
        (await StoredAsync(filteredStore)).ShouldBe(await StoredAsync(parsedStore));
        (await StoredAsync(filteredStore)).Count.ShouldBe(3);
    }
}
