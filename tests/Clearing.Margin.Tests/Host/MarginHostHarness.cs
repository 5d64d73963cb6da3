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

namespace Clearing.Margin.Tests.Host;

/// <summary>The margin host's application core on a real SQLite event store and the embedded state store, fed
/// through its gateways with the messages the consumers would hand them (no broker: the Kafka path is the platform's).</summary>
internal sealed class MarginHostHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "margin-host-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteStateStore _state;

    public MarginHostHarness()
    {
        Directory.CreateDirectory(_directory);
        Store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        _state = new SqliteStateStore("margin-risk", Path.Combine(_directory, "state.db"));
        Views = new AccountRiskViews(_state);
        Book = NewBook();
        Fills = new MatchingFillGateway(Book);
        PricesIn = new OraclePriceGateway(Book, NullLogger<OraclePriceGateway>.Instance);
        Ledger = new LedgerProjector(Store, TimeProvider.System, NullLogger<LedgerProjector>.Instance);
        Pauses = new WithdrawalPauseBook(Store, NullLogger<WithdrawalPauseBook>.Instance);
        Liquidation = new LiquidationGateway(Book, Pauses);
    }

    public SqliteEventStore Store { get; }

    public AccountRiskViews Views { get; }

    public AccountBook Book { get; }

    public MatchingFillGateway Fills { get; }

    public OraclePriceGateway PricesIn { get; }

    public LedgerProjector Ledger { get; }

    public WithdrawalPauseBook Pauses { get; }

    public LiquidationGateway Liquidation { get; }

    public AccountBook NewBook() => new(
        Store,
        new AccountDecider(new RiskCalculator(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default)),
        new PriceBook(),
        Views,
        TimeProvider.System,
        NullLogger<AccountBook>.Instance);

    public Task DepositAsync(string accountId, decimal amount, string asset = "USDC") =>
        Book.ExecuteAsync(AccountAddress.Parse(accountId).Owner, (state, prices) => Book.Decider.Decide(state, new Deposit(accountId, asset, amount, $"dep-{accountId}-{amount}", T0), prices), CancellationToken.None);

    public Task FillAsync(long sequence, string taker, Side takerSide, string maker, decimal quantity, decimal price, string market = "BTC-PERP", decimal takerFee = 0m, decimal makerFee = 0m) =>
        Fills.HandleAsync(FillMessage(sequence, taker, takerSide, maker, quantity, price, market, takerFee, makerFee), CancellationToken.None);

    /// <summary>The fill as margin's consumer hands it over: matching's book-{market} stream and sequence as its source.</summary>
    public static KafkaInboundMessage<MatchingEvent> FillMessage(long sequence, string taker, Side takerSide, string maker, decimal quantity, decimal price, string market = "BTC-PERP", decimal takerFee = 0m, decimal makerFee = 0m)
    {
        var e = new MatchingEvent
        {
            Market = market,
            Sequence = sequence,
            TimeUnixNanos = ContractText.UnixNanos(T0),
            Fill = new Fill
            {
                FillId = $"{market}:{sequence}",
                Price = price.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Quantity = quantity.ToString(System.Globalization.CultureInfo.InvariantCulture),
                TakerSide = takerSide,
                TakerAccountId = taker,
                MakerAccountId = maker,
                TakerFee = takerFee.ToString(System.Globalization.CultureInfo.InvariantCulture),
                MakerFee = makerFee.ToString(System.Globalization.CultureInfo.InvariantCulture),
                FeeAsset = "USDC",
            },
        };
        return Message(e, $"book-{market}", sequence);
    }

    public Task PriceAsync(long sequence, decimal index, decimal? mark = null, PriceStatus status = PriceStatus.Ok, string asset = "BTC")
    {
        var update = new PriceUpdate
        {
            Asset = asset,
            Sequence = sequence,
            TimeUnixNanos = ContractText.UnixNanos(T0.AddSeconds(sequence)),
            Status = status,
            IndexPrice = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (mark is { } m)
        {
            update.Marks.Add(new MarkPrice { Market = $"{asset}-PERP", MarkPrice_ = m.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        return PricesIn.HandleAsync(Message(update, $"oracle-{asset}", sequence), CancellationToken.None);
    }

    public static KafkaInboundMessage<T> Message<T>(T payload, string sourceStream, long sequence) => new(payload, new KafkaMessageMetadata
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

    public async Task<List<RecordedEvent>> AllAsync()
    {
        var all = new List<RecordedEvent>();
        await foreach (var e in Store.ReadAllAsync(1, int.MaxValue))
        {
            all.Add(e);
        }

        return all;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _state.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment on some systems; a temp directory left behind is harmless.
        }
    }
}
