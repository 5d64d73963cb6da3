using System.Globalization;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Dapr.State;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Margin.Integration;
using Clearing.Messaging.Kafka;
using Clearing.Primitives.Markets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Cli.Tests;

/// <summary>
/// A margin data directory written the way the service writes it: margin's AccountBook, gateways and ledger projector
/// over a real SQLite event store and the embedded state store file (&lt;data&gt;/margin/events.db and
/// state-margin-risk.db), with a clock that moves one minute per step so time travel by time has something to find.
/// </summary>
internal sealed class MarginStoreHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly SqliteStateStore _state;
    private long _fillSequence;
    private long _priceSequence;

    public MarginStoreHarness()
    {
        Data = new DirectoryInfo(Path.Combine(Path.GetTempPath(), "cli-margin-" + Guid.NewGuid().ToString("N")));
        ServiceDirectory = new DirectoryInfo(Path.Combine(Data.FullName, "margin"));
        ServiceDirectory.Create();
        Store = new SqliteEventStore(new SqliteEventStoreOptions(EventsFile), Clock);
        _state = new SqliteStateStore("margin-risk", SqliteStateStore.PathFor(ServiceDirectory.FullName, "margin-risk"), Clock);
        Book = new AccountBook(Store,
            new AccountDecider(new RiskCalculator(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default)),
            new PriceBook(), new AccountRiskViews(_state), Clock, NullLogger<AccountBook>.Instance);
        Ledger = new LedgerProjector(Store, Clock, NullLogger<LedgerProjector>.Instance);
    }

    public FakeTimeProvider Clock { get; } = new(T0);

    public DirectoryInfo Data { get; }

    public DirectoryInfo ServiceDirectory { get; }

    public string EventsFile => Path.Combine(ServiceDirectory.FullName, "events.db");

    public string ReadModelFile => SqliteStateStore.PathFor(ServiceDirectory.FullName, "margin-risk");

    public SqliteEventStore Store { get; }

    public AccountBook Book { get; }

    public LedgerProjector Ledger { get; }

    /// <summary>Stream version of acct-1's last event before its liquidation fill, and of the liquidation itself.</summary>
    public long BeforeLiquidationVersion { get; private set; }

    public DateTimeOffset BeforeLiquidationTime { get; private set; }

    /// <summary>
    /// acct-1 goes long 1 BTC-PERP at 60 000 on 10 000 USDC, the price falls to 50 500 (liquidation band), it is closed
    /// at 50 450 and charged a 100 USDC liquidation fee (to the insurance fund). Afterwards acct-5 (3 000 USDC) and
    /// acct-6 (2 000 USDC) buy 1 and 0.5 BTC at 50 450 from acct-2: the two accounts a crash hurts most.
    /// </summary>
    public async Task WriteLiquidationStoryAsync()
    {
        foreach (var (account, amount) in new[] { ("acct-1", 10_000m), ("acct-2", 50_000m), ("acct-3", 50_000m), ("acct-4", 8_000m), ("acct-5", 3_000m), ("acct-6", 2_000m) })
        {
            await DepositAsync(account, amount);
        }
        await PriceAsync(60_000m);
        await FillAsync("acct-1", Side.Buy, "acct-2", 1m, 60_000m, takerFee: 30m);
        await FillAsync("acct-4", Side.Sell, "acct-3", 0.5m, 60_000m);
        await PriceAsync(50_500m);

        BeforeLiquidationVersion = await Store.GetStreamVersionAsync("account-acct-1");
        BeforeLiquidationTime = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await FillAsync("acct-1", Side.Sell, "acct-3", 1m, 50_450m);
        await LiquidationFeeAsync("acct-1", 100m);
        await FillAsync("acct-5", Side.Buy, "acct-2", 1m, 50_450m);
        await FillAsync("acct-6", Side.Buy, "acct-2", 0.5m, 50_450m);
        await Ledger.CatchUpAsync(CancellationToken.None);
    }

    public async Task DepositAsync(string accountId, decimal amount)
    {
        await Book.ExecuteAsync(AccountAddress.Parse(accountId).Owner,
            (state, prices) => Book.Decider.Decide(state, new Deposit(accountId, "USDC", amount, $"dep-{accountId}-{amount}", Clock.GetUtcNow()), prices), CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(1));
    }

    public async Task PriceAsync(decimal price)
    {
        var sequence = ++_priceSequence;
        var update = new PriceUpdate
        {
            Asset = "BTC",
            Sequence = sequence,
            TimeUnixNanos = ContractText.UnixNanos(Clock.GetUtcNow()),
            Status = PriceStatus.Ok,
            IndexPrice = Text(price),
        };
        update.Marks.Add(new MarkPrice { Market = "BTC-PERP", MarkPrice_ = Text(price) });
        await new OraclePriceGateway(Book, NullLogger<OraclePriceGateway>.Instance).HandleAsync(Message(update, "oracle-BTC", sequence), CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(1));
    }

    public async Task FillAsync(string taker, Side takerSide, string maker, decimal quantity, decimal price, decimal takerFee = 0m)
    {
        var sequence = ++_fillSequence;
        var e = new MatchingEvent
        {
            Market = "BTC-PERP",
            Sequence = sequence,
            TimeUnixNanos = ContractText.UnixNanos(Clock.GetUtcNow()),
            Fill = new Fill
            {
                FillId = $"BTC-PERP:{sequence}",
                Price = Text(price),
                Quantity = Text(quantity),
                TakerSide = takerSide,
                TakerAccountId = taker,
                MakerAccountId = maker,
                TakerFee = Text(takerFee),
                MakerFee = "0",
                FeeAsset = "USDC",
            },
        };
        await new MatchingFillGateway(Book).HandleAsync(Message(e, "book-BTC-PERP", sequence), CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(1));
    }

    public async Task LiquidationFeeAsync(string accountId, decimal fee)
    {
        var source = new MessageSource($"liquidation-{accountId}", 1);
        var command = new ChargeLiquidationFee(accountId, "BTC-PERP", fee, "liq-1#1", source, Clock.GetUtcNow());
        await Book.ApplyAsync(AccountAddress.Parse(accountId).Owner, source, (state, prices) => Book.Decider.Decide(state, command, prices), CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(1));
    }

    /// <summary>Appends straight to ledger-main (hash chain intact): how a buggy writer, not an editor, breaks the ledger.</summary>
    public async Task AppendLedgerEntryAsync(Func<long, LedgerEntryRecorded> entry, long? sequence = null)
    {
        var version = await Store.GetStreamVersionAsync("ledger-main");
        var recorded = entry(sequence ?? version + 2);
        await Store.AppendAsync("ledger-main", ExpectedVersion.From(version), [MarginEventTypes.Serializer.Serialize(recorded)]);
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static KafkaInboundMessage<T> Message<T>(T payload, string sourceStream, long sequence) => new(payload, new KafkaMessageMetadata
    {
        Topic = "test",
        Partition = 0,
        Offset = sequence,
        Key = "k",
        Id = $"{sourceStream}:{sequence}",
        Type = "test",
        Source = "test",
        Subject = "k",
        Time = T0,
        SourceStream = sourceStream,
        SourceSequence = sequence,
    });

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _state.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Data.Delete(recursive: true);
    }
}
