using Clearing.Contracts;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Vault.V1;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Messaging.Kafka.Producing;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Integration;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Side = Clearing.Contracts.Orders.V1.Side;

namespace Clearing.Vault.Tests.Host;

/// <summary>
/// The vault's events on clearing.vault.events.v1 through the outbox relay, on the embedded broker: a deposit, a
/// withdrawal request, a backstop takeover, a fee share, NAV marks and the payout, keyed by the vault id, in stream
/// order, with the stream's inbox coordinates and exact decimal strings.
/// </summary>
public sealed class VaultEventsTopicTests : IAsyncDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-vault-topic", Guid.NewGuid().ToString("N"));

    private static KafkaInboundMessage<T> Message<T>(T payload, string stream, long sequence) => new(payload, new KafkaMessageMetadata
    {
        Topic = "t", Partition = 0, Offset = sequence, Key = "k", Id = $"{stream}:{sequence}", Type = "x", Source = "test", Subject = "s", Time = DateTimeOffset.UnixEpoch,
        SourceStream = stream, SourceSequence = sequence,
    });

    [Fact]
    public async Task vault_events_appear_on_the_public_topic_in_stream_order_with_exact_amounts()
    {
        Directory.CreateDirectory(_directory);
        await using var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Topics = [Topics.VaultEvents], BrokerCount = 1, Partitions = 2 });
        await using var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "vault.db")));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var prices = new MarketPrices();
        var ledger = new VaultLedger(store, new VaultRules { VaultId = "hlp" }, prices, time);
        await new MarginLedgerInput(ledger).HandleAsync(Message(new LedgerEntry
        {
            Sequence = 1, Kind = LedgerEntryKind.VaultDeposit, Reference = "dep-1", AccountId = "lp-1", TimeUnixNanos = 1,
            Postings = { new Posting { AccountId = "vault-hlp", Asset = "USDC", Amount = "100000.5" }, new Posting { AccountId = "lp-1", Asset = "USDC", Amount = "-100000.5" } },
        }, "ledger-main", 0), None);
        await new MarginLedgerInput(ledger).HandleAsync(Message(new LedgerEntry
        {
            Sequence = 2, Kind = LedgerEntryKind.FeeDistribution, Reference = "fees-3-USDC", AccountId = "vault-hlp", TimeUnixNanos = 1,
            Postings = { new Posting { AccountId = "vault-hlp", Asset = "USDC", Amount = "12.5" }, new Posting { AccountId = "system:fee-pool", Asset = "USDC", Amount = "-12.5" } },
        }, "ledger-main", 1), None);
        await ledger.RequestWithdrawalAsync("lp-1", 1_000m, None);
        prices.Apply(new Clearing.Contracts.Oracle.V1.PriceUpdate
        {
            Asset = "BTC", Sequence = 1, TimeUnixNanos = 1, Status = Clearing.Contracts.Oracle.V1.PriceStatus.Ok, IndexPrice = "44000",
            Marks = { new Clearing.Contracts.Oracle.V1.MarkPrice { Market = "BTC-PERP", MarkPrice_ = "44000" } },
        });
        await new LiquidationInput(ledger).HandleAsync(Message(new LiquidationEvent
        {
            AccountId = "acct-1", LiquidationId = "acct-1:1", TimeUnixNanos = 2,
            TransferredToVault = new TransferredToVault { VaultId = "hlp", VaultAccountId = "vault-hlp", Market = "BTC-PERP", Size = "0.5", BankruptcyPrice = "45000", MarkPrice = "44000", Side = Side.Sell },
        }, "liquidation-acct-1", 4), None);
        time.Advance(TimeSpan.FromDays(4));
        await ledger.TickAsync(TimeSpan.FromMinutes(1), None);

        var connection = KafkaConnection.ForBootstrap(broker.BootstrapServers, KafkaBrokerMode.EmbeddedInProcess);
        var kafka = new KafkaOptions { BootstrapServers = broker.BootstrapServers, ServiceName = "vault", MirrorTransactionalOffsets = true };
        using var publisher = new KafkaPublisher(connection, Options.Create(kafka), TimeProvider.System, NullLogger<KafkaPublisher>.Instance);
        using var watermarks = new KafkaOutboxWatermarks(connection, kafka, "vault");
        var relay = new OutboxRelay(store, new VaultOutboxTranslator(), publisher, watermarks, new OutboxRelayOptions { Name = "vault", Category = VaultLedger.Category });
        while (!(await relay.PublishNextPageAsync(None)).CaughtUp)
        {
        }

        var stored = new List<object>();
        await foreach (var recorded in store.ReadStreamAsync(ledger.StreamId, Clearing.EventSourcing.ReadDirection.Forward, 0))
        {
            stored.Add(VaultJsonContext.Serializer.Deserialize(recorded));
        }

        var records = Read(broker.BootstrapServers, stored.Count(e => e is not VaultFilled));
        var messages = records.Select(r => (Meta: CloudEventsEnvelope.Read(r), Event: VaultEvent.Parser.ParseFrom(r.Message.Value))).ToList();
        messages.Select(m => m.Event.EventCase).ShouldBe(
        [
            VaultEvent.EventOneofCase.Deposited, VaultEvent.EventOneofCase.FeeIncomeBooked, VaultEvent.EventOneofCase.WithdrawalRequested,
            VaultEvent.EventOneofCase.BackstopTakenOver, VaultEvent.EventOneofCase.WithdrawalPaid, VaultEvent.EventOneofCase.NavStruck,
        ]);
        messages.ShouldAllBe(m => m.Meta.Key == "hlp" && m.Event.VaultId == "hlp" && m.Event.VaultAccountId == "vault-hlp" && m.Meta.SourceStream == "vault-hlp");
        messages.Select(m => m.Meta.SourceSequence).ShouldBe([0L, 1L, 2L, 3L, 4L, 5L]);
        var deposited = messages[0].Event.Deposited;
        (deposited.DepositId, deposited.LpAccountId, deposited.Amount, deposited.SharesMinted, deposited.Asset).ShouldBe(("dep-1", "lp-1", "100000.5", "100000.5", "USDC"));
        var income = messages[1].Event.FeeIncomeBooked;
        (income.Kind, income.Reference, income.Amount, income.LedgerSequence, income.PaidFromAccountId).ShouldBe(("TRADING", "fees-3-USDC", "12.5", 2L, "system:fee-pool"));
        var takeover = messages[3].Event.BackstopTakenOver;
        (takeover.Side, takeover.Size, takeover.BankruptcyPrice, takeover.LossAtMark).ShouldBe(("BUY", "0.5", "45000", "500"));
        var paid = messages[4].Event.WithdrawalPaid;
        // 1 000 of 100 000.5 shares at NAV 100 000.5 + 12.5 (fee income) − 500 (the takeover's loss at the mark): floor to 8 decimals.
        (paid.Shares, paid.Amount, paid.NavBefore).ShouldBe(("1000", "995.12502437", "99513"));
        var nav = messages[5].Event.NavStruck;
        (nav.Nav, nav.TradingFeeIncome, nav.LiquidationFeeIncome).ShouldBe(("98517.87497563", "12.5", "0"));   // after the payout
    }

    private static List<ConsumeResult<byte[]?, byte[]?>> Read(string bootstrap, int expected)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = $"reader-{Guid.NewGuid():N}", EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(Topics.VaultEvents);
        var records = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (records.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false, Message: not null } record)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        records.Count.ShouldBe(expected, "every public vault event once");
        return records;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp directory is cleaned by the OS.
        }

        return ValueTask.CompletedTask;
    }
}
