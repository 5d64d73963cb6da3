using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Settlement.V1;
using Clearing.Contracts.Vault.V1;
using Clearing.Dapr.State;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Margin.Integration;
using Clearing.Messaging.Kafka;
using Clearing.Primitives.Markets;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Integration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Vault.Tests.Ledger;

/// <summary>
/// Margin and the vault in-process, each on its own SQLite store, joined the way the broker joins them: margin's stored
/// ledger entries go through its outbox translator into the vault's ledger input, the vault's stored events through its
/// outbox translator into margin's vault gateway, each message with the inbox coordinates the relay stamps (stream and
/// version). <see cref="ExchangeAsync"/> may redeliver everything from the start, as a relay without a checkpoint does.
/// </summary>
internal sealed class OneLedgerHarness : IAsyncDisposable
{
    public const string Vault = "vault-hlp";
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-vault-ledger", Guid.NewGuid().ToString("N"));
    private readonly SqliteStateStore _views;
    private readonly LedgerProjector _projector;
    private readonly VaultTransferMirror _mirror;
    private readonly MarginLedgerInput _vaultIn;
    private readonly VaultGateway _marginIn;
    private long _ledgerForwarded = -1;
    private long _vaultForwarded = -1;

    public OneLedgerHarness(VaultRules? rules = null)
    {
        Directory.CreateDirectory(_directory);
        MarginStore = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "margin.db")));
        VaultStore = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "vault.db")));
        _views = new SqliteStateStore("margin-risk", Path.Combine(_directory, "state.db"));
        Book = new AccountBook(MarginStore, new AccountDecider(new RiskCalculator(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default)),
            new PriceBook(), new AccountRiskViews(_views), TimeProvider.System, NullLogger<AccountBook>.Instance);
        _projector = new LedgerProjector(MarginStore, TimeProvider.System, NullLogger<LedgerProjector>.Instance);
        _mirror = new VaultTransferMirror(MarginStore, Book, NullLogger<VaultTransferMirror>.Instance);
        VaultBooks = new VaultLedger(VaultStore, rules ?? new VaultRules { VaultId = "hlp", MinimumDeposit = 10m }, Prices, Time);
        _vaultIn = new MarginLedgerInput(VaultBooks);
        _marginIn = new VaultGateway(Book);
    }

    public FakeTimeProvider Time { get; } = new(T0);

    /// <summary>The vault's oracle view (marks value its open positions).</summary>
    public MarketPrices Prices { get; } = new();

    public SqliteEventStore MarginStore { get; }

    public SqliteEventStore VaultStore { get; }

    public AccountBook Book { get; }

    public VaultLedger VaultBooks { get; }

    /// <summary>An operator deposit from outside into an LP's margin account.</summary>
    public Task CreditAsync(string lp, decimal amount) =>
        Book.ExecuteAsync(lp, (state, prices) => Book.Decider.Decide(state, new Deposit(lp, "USDC", amount, $"credit-{lp}-{amount}", T0), prices), None);

    /// <summary>Accounts.DepositToVault: margin moves the money first (or refuses).</summary>
    public Task DepositToVaultAsync(string lp, decimal amount, string depositId) =>
        Book.ExecuteAsync(lp, (state, prices) => Book.Decider.Decide(state, new DepositToVault(lp, Vault, "USDC", amount, depositId, Time.GetUtcNow()), prices), None);

    /// <summary>Delivers what each side published since the last exchange (everything again with <paramref name="fromStart"/>), until both are quiet.</summary>
    public async Task ExchangeAsync(bool fromStart = false)
    {
        if (fromStart)
        {
            (_ledgerForwarded, _vaultForwarded) = (-1, -1);
        }

        for (var round = 0; round < 5; round++)
        {
            await _projector.CatchUpAsync(None);
            await _mirror.CatchUpAsync(None);
            var delivered = 0;
            var translator = new MarginOutboxTranslator();
            await foreach (var recorded in MarginStore.ReadStreamAsync(LedgerProjector.LedgerStream, ReadDirection.Forward, _ledgerForwarded + 1))
            {
                _ledgerForwarded = recorded.StreamVersion;
                if (translator.Translate(recorded) is { } message)
                {
                    await _vaultIn.HandleAsync(Message(LedgerEntry.Parser.ParseFrom(message.Payload), recorded), None);
                    delivered++;
                }
            }

            var vaultTranslator = new VaultOutboxTranslator();
            await foreach (var recorded in VaultStore.ReadStreamAsync(VaultBooks.StreamId, ReadDirection.Forward, _vaultForwarded + 1))
            {
                _vaultForwarded = recorded.StreamVersion;
                if (vaultTranslator.Translate(recorded) is { } message)
                {
                    await _marginIn.HandleAsync(Message(VaultEvent.Parser.ParseFrom(message.Payload), recorded), None);
                    delivered++;
                }
            }

            if (delivered == 0)
            {
                return;
            }
        }
    }

    public async Task<decimal> BalanceAsync(string account) => (await Book.LoadAsync(AccountAddress.Parse(account).Owner, None)).State.Sub(AccountAddress.Parse(account)).BalanceOf("USDC");

    public async Task<VaultState> VaultAsync() => (await VaultBooks.LoadAsync(None)).State;

    /// <summary>Every entry margin published on clearing.margin.ledger.v1.</summary>
    public async Task<List<LedgerEntry>> LedgerAsync()
    {
        var translator = new MarginOutboxTranslator();
        var entries = new List<LedgerEntry>();
        await foreach (var recorded in MarginStore.ReadStreamAsync(LedgerProjector.LedgerStream, ReadDirection.Forward, 0))
        {
            entries.Add(LedgerEntry.Parser.ParseFrom(translator.Translate(recorded)!.Payload));
        }

        return entries;
    }

    public async Task<List<object>> VaultEventsAsync()
    {
        var events = new List<object>();
        await foreach (var recorded in VaultStore.ReadStreamAsync(VaultBooks.StreamId, ReadDirection.Forward, 0))
        {
            events.Add(VaultJsonContext.Serializer.Deserialize(recorded));
        }

        return events;
    }

    private long _settlementSequence;

    /// <summary>
    /// Settlement's FeesDistributed (an epoch close paying the vault a share out of <paramref name="paidFrom"/>) booked by
    /// margin's settlement gateway; <see cref="ExchangeAsync"/> then carries the ledger entry to the vault. Returns the
    /// message so a test can deliver it again.
    /// </summary>
    public async Task<KafkaInboundMessage<SettlementEvent>> FeesDistributedAsync(long epoch, decimal toVault, string paidFrom = "system:fee-pool")
    {
        var amount = toVault.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var message = new KafkaInboundMessage<SettlementEvent>(
            new SettlementEvent
            {
                Key = "epoch", Sequence = epoch, TimeUnixNanos = 1,
                FeesDistributed = new FeesDistributed
                {
                    Epoch = epoch, Asset = "USDC", Amount = amount, PaidFromAccountId = paidFrom,
                    Reference = paidFrom == "system:fee-pool" ? $"fees-{epoch}-USDC" : $"liquidation-fees-{epoch}-USDC",
                    Shares = { new Share { AccountId = Vault, Amount = amount } },
                },
            },
            Metadata("settlement-epochs", ++_settlementSequence));
        await DeliverToMarginAsync(message);
        return message;
    }

    public Task DeliverToMarginAsync(KafkaInboundMessage<SettlementEvent> message) => new SettlementGateway(Book).HandleAsync(message, None);

    private long _liquidationSequence;

    /// <summary>
    /// Liquidation's AdlExecuted: <paramref name="liquidated"/>'s position and <paramref name="counterparty"/>'s close at
    /// <paramref name="price"/>, read by margin's liquidation gateway and the vault's liquidation input. Returns the message.
    /// </summary>
    public async Task<KafkaInboundMessage<Clearing.Contracts.Liquidation.V1.LiquidationEvent>> AdlAsync(string liquidated, string counterparty, string market, decimal size, decimal price)
    {
        string Text(decimal d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sequence = ++_liquidationSequence;
        var message = new KafkaInboundMessage<Clearing.Contracts.Liquidation.V1.LiquidationEvent>(
            new Clearing.Contracts.Liquidation.V1.LiquidationEvent
            {
                AccountId = liquidated, LiquidationId = $"{liquidated}:1", Sequence = sequence, TimeUnixNanos = 1,
                AdlExecuted = new Clearing.Contracts.Liquidation.V1.AdlExecuted { Market = market, CounterpartyAccountId = counterparty, Size = Text(size), Price = Text(price), MarkPrice = Text(price) },
            },
            Metadata($"liquidation-{liquidated}", sequence));
        await DeliverLiquidationAsync(message);
        return message;
    }

    public async Task DeliverLiquidationAsync(KafkaInboundMessage<Clearing.Contracts.Liquidation.V1.LiquidationEvent> message)
    {
        await new LiquidationGateway(Book, new WithdrawalPauseBook(MarginStore, NullLogger<WithdrawalPauseBook>.Instance)).HandleAsync(message, None);
        await new LiquidationInput(VaultBooks).HandleAsync(message, None);
    }

    /// <summary>Settlement's SettlementPriceFixed for <paramref name="market"/>, read by margin (it settles every holder) and by the vault.</summary>
    public async Task<KafkaInboundMessage<SettlementEvent>> ExpiryAsync(string market, decimal price)
    {
        var message = new KafkaInboundMessage<SettlementEvent>(
            new SettlementEvent
            {
                Key = market, Sequence = 1, TimeUnixNanos = 1,
                PriceFixed = new SettlementPriceFixed { Market = market, SettlementPrice = price.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
            Metadata($"settlement-{market}", ++_settlementSequence));
        await DeliverExpiryAsync(message);
        return message;
    }

    public async Task DeliverExpiryAsync(KafkaInboundMessage<SettlementEvent> message)
    {
        await DeliverToMarginAsync(message);
        await new SettlementInput(VaultBooks, MarketCatalog.EmbeddedDefaults).HandleAsync(message, None);
    }

    private long _priceSequence;

    public void SetMark(string asset, string market, decimal mark)
    {
        var text = mark.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Prices.Apply(new Clearing.Contracts.Oracle.V1.PriceUpdate
        {
            Asset = asset, Sequence = ++_priceSequence, TimeUnixNanos = 1, Status = Clearing.Contracts.Oracle.V1.PriceStatus.Ok, IndexPrice = text,
            Marks = { new Clearing.Contracts.Oracle.V1.MarkPrice { Market = market, MarkPrice_ = text } },
        });
    }

    /// <summary>
    /// A fill of the vault's quote (the vault is the maker, <paramref name="counterparty"/> the taker, no fees) delivered to
    /// margin's fill gateway and the vault's matching input, as both consume clearing.matching.events.v1. Returns the
    /// message so a test can deliver it again.
    /// </summary>
    public async Task<KafkaInboundMessage<Clearing.Contracts.Matching.V1.MatchingEvent>> VaultTradesAsync(
        string market, long sequence, VaultSide vaultSide, decimal quantity, decimal price, string counterparty = "mm-1")
    {
        string Text(decimal d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var message = new KafkaInboundMessage<Clearing.Contracts.Matching.V1.MatchingEvent>(
            new Clearing.Contracts.Matching.V1.MatchingEvent
            {
                Market = market, Sequence = sequence, TimeUnixNanos = 1,
                Fill = new Clearing.Contracts.Matching.V1.Fill
                {
                    FillId = $"{market}:{sequence}", Price = Text(price), Quantity = Text(quantity),
                    TakerSide = vaultSide == VaultSide.Buy ? Clearing.Contracts.Orders.V1.Side.Sell : Clearing.Contracts.Orders.V1.Side.Buy,
                    TakerOrderId = $"t-{sequence}", TakerAccountId = counterparty, MakerOrderId = $"q-{sequence}", MakerAccountId = Vault,
                    TakerFee = "0", MakerFee = "0", FeeAsset = "USDC",
                },
            },
            Metadata($"book-{market}", sequence));
        await DeliverFillAsync(message);
        return message;
    }

    /// <summary>The vault's live quotes, as its matching input shrinks them by fills.</summary>
    public LiveQuotes Live { get; } = new();

    public async Task DeliverFillAsync(KafkaInboundMessage<Clearing.Contracts.Matching.V1.MatchingEvent> message)
    {
        await new MatchingFillGateway(Book).HandleAsync(message, None);
        await new MatchingInput(VaultBooks, Live, new VaultAccount(Vault)).HandleAsync(message, None);
    }

    /// <summary>The funding service's FundingRateSet for <paramref name="market"/> booked by margin's funding gateway; <see cref="ExchangeAsync"/> carries the entries to the vault.</summary>
    public async Task<KafkaInboundMessage<Clearing.Contracts.Funding.V1.FundingEvent>> FundingAsync(string market, long sequence, decimal rate, decimal mark)
    {
        string Text(decimal d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var message = new KafkaInboundMessage<Clearing.Contracts.Funding.V1.FundingEvent>(
            new Clearing.Contracts.Funding.V1.FundingEvent
            {
                Market = market, Sequence = sequence, TimeUnixNanos = 1,
                RateSet = new Clearing.Contracts.Funding.V1.FundingRateSet
                {
                    IntervalStartUnixNanos = (sequence - 1) * 3_600_000_000_000L, IntervalEndUnixNanos = sequence * 3_600_000_000_000L,
                    Rate = Text(rate), MarkPrice = Text(mark), IndexPrice = Text(mark),
                },
            },
            Metadata($"funding-{market}", sequence));
        await DeliverFundingAsync(message);
        return message;
    }

    public Task DeliverFundingAsync(KafkaInboundMessage<Clearing.Contracts.Funding.V1.FundingEvent> message) => new FundingGateway(Book).HandleAsync(message, None);

    private static KafkaInboundMessage<T> Message<T>(T payload, RecordedEvent recorded) => new(payload, Metadata(recorded.StreamId, recorded.StreamVersion));

    private static KafkaMessageMetadata Metadata(string stream, long sequence) => new()
    {
        Topic = "t", Partition = 0, Offset = sequence, Key = "k", Id = $"{stream}:{sequence}", Type = "x", Source = "test", Subject = "s", Time = T0,
        SourceStream = stream, SourceSequence = sequence,
    };

    public async ValueTask DisposeAsync()
    {
        await MarginStore.DisposeAsync();
        await VaultStore.DisposeAsync();
        _views.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file for a moment; the temp directory is cleaned by the OS.
        }
    }
}
