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

namespace Clearing.Vault.Tests.Support;

/// <summary>
/// The vault host's pieces in-process over a real SQLite store in a temp directory: the price view, the live quotes, the
/// ledger and a quoting loop of BTC-PERP around the BTC index; LP money arrives as margin's ledger entries.
/// </summary>
internal sealed class QuotingHarness : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-vault-tests", Guid.NewGuid().ToString("N"));
    private long _priceSequence;

    public QuotingHarness(DateTimeOffset start)
    {
        Directory.CreateDirectory(_directory);
        Time = new FakeTimeProvider(start);
        Store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        Ledger = new VaultLedger(Store, new VaultRules { VaultId = "hlp" }, Prices, Time);
    }

    public FakeTimeProvider Time { get; }

    public SqliteEventStore Store { get; }

    public MarketPrices Prices { get; } = new();

    public LiveQuotes Live { get; } = new();

    public VaultLedger Ledger { get; }

    public QuotingLoop Loop(IQuoteSink sink, TimeSpan interval) => new(Ledger, Prices, Live, sink,
        [new QuoteParameters { Market = "BTC-PERP", TickSize = 0.5m, LotSize = 0.001m, QuoteNotional = 5_000m, MaxNotional = 100_000m }],
        new Dictionary<string, string> { ["BTC-PERP"] = "BTC" }, interval, Time, NullLogger<QuotingLoop>.Instance);

    public void Price(decimal index, PriceStatus status = PriceStatus.Ok)
    {
        var text = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Prices.Apply(new PriceUpdate
        {
            Asset = "BTC", Sequence = ++_priceSequence, TimeUnixNanos = (Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100, Status = status,
            IndexPrice = text,
            Marks = { new MarkPrice { Market = "BTC-PERP", MarkPrice_ = text } },
        });
    }

    public KafkaInboundMessage<T> Message<T>(T payload, string stream, long sequence) => new(payload, new KafkaMessageMetadata
    {
        Topic = "t", Partition = 0, Offset = sequence, Key = "k", Id = $"{stream}:{sequence}", Type = "x", Source = "test", Subject = "s", Time = Time.GetUtcNow(),
        SourceStream = stream, SourceSequence = sequence,
    });

    /// <summary>LP money arrives as margin's VAULT_DEPOSIT ledger entry, read from clearing.margin.ledger.v1.</summary>
    public Task DepositAsync(decimal amount)
    {
        var text = amount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var entry = new LedgerEntry
        {
            EntryId = "account-lp-1:1:0", Sequence = 1, Kind = LedgerEntryKind.VaultDeposit, Reference = "dep-1", AccountId = "lp-1", TimeUnixNanos = 1,
            Postings = { new Posting { AccountId = "vault-hlp", Asset = "USDC", Amount = text }, new Posting { AccountId = "lp-1", Asset = "USDC", Amount = "-" + text } },
        };
        return new MarginLedgerInput(Ledger).HandleAsync(Message(entry, "ledger-main", 0), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp directory is cleaned by the OS.
        }
    }
}
