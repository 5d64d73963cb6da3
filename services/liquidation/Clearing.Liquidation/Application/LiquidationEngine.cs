using Clearing.EventSourcing;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Domain.Vault;
using Clearing.Messaging.Kafka.Inbox;

namespace Clearing.Liquidation.Application;

/// <summary>
/// Runs the pure liquidation domain against the event store. One gate serializes every decision, so the insurance
/// fund's capacity a decision sees always includes every earlier decision: after each append to "liquidation-{account}"
/// the engine applies that stream's new events to "insurance-fund" and "positions-{market}" (each with its own inbox,
/// keyed by the liquidation stream and version) before it decides anything else. At start it replays every liquidation
/// stream the same way, so effects a crash left unapplied are applied then, and never twice.
/// </summary>
public sealed class LiquidationEngine
{
    public const string AccountCategory = "liquidation";
    public const string FundCategory = "insurance";
    public const string FundId = "fund";
    public const string PositionsCategory = "positions";
    public const string VaultBackstopCategory = "vaultbackstop";

    private static readonly AggregateDefinition<LiquidationAccount> AccountDefinition =
        new(AccountCategory, LiquidationAccount.Empty(string.Empty), LiquidationProcess.Evolve) { SnapshotEvery = 0 };

    private static readonly AggregateDefinition<InsuranceFundState> FundDefinition =
        new(FundCategory, new InsuranceFundState(), InsuranceFund.Evolve) { SnapshotEvery = 500 };

    private static readonly AggregateDefinition<PositionBookState> PositionsDefinition =
        new(PositionsCategory, PositionBookState.Empty(string.Empty), PositionBook.Evolve) { SnapshotEvery = 500 };

    private readonly IEventStore _store;
    private readonly LiquidationRules _rules;
    private readonly Func<DateTimeOffset, LiquidationRules> _rulesAt;
    private readonly TimeProvider _time;
    private readonly ILogger<LiquidationEngine> _logger;
    private readonly AggregateRepository<LiquidationAccount> _accounts;
    private readonly AggregateRepository<InsuranceFundState> _fund;
    private readonly AggregateRepository<PositionBookState> _positions;
    private readonly AggregateRepository<VaultBackstopState> _vaultBackstop;
    private readonly VaultBackstopRules _vaultRules;
    private readonly AggregateInbox<LiquidationAccount> _accountInbox;
    private readonly AggregateInbox<PositionBookState> _positionsInbox;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, long> _synced = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _active = new(StringComparer.Ordinal);
    private bool _caughtUp;

    /// <param name="rulesAt">
    /// The rules in force for an input stamped with a time (governance parameters over the configured
    /// <paramref name="rules"/>); null: always <paramref name="rules"/>. Each decision asks with its input's time — the
    /// fill's time for its fee, the clock step's time for the fund's payout caps — so it uses what was in force then.
    /// </param>
    public LiquidationEngine(IEventStore store, LiquidationRules rules, TimeProvider time, ILogger<LiquidationEngine> logger, VaultBackstopRules? vault = null,
        Func<DateTimeOffset, LiquidationRules>? rulesAt = null)
    {
        _vaultRules = vault ?? VaultBackstopRules.Off;
        _store = store;
        _rules = rules;
        _rulesAt = rulesAt ?? (_ => rules);
        _time = time;
        _logger = logger;
        var serializer = LiquidationJsonContext.Serializer;
        _accounts = new AggregateRepository<LiquidationAccount>(store, serializer, AccountDefinition);
        _fund = new AggregateRepository<InsuranceFundState>(store, serializer, FundDefinition);
        _positions = new AggregateRepository<PositionBookState>(store, serializer, PositionsDefinition);
        _vaultBackstop = new AggregateRepository<VaultBackstopState>(store, serializer,
            new AggregateDefinition<VaultBackstopState>(VaultBackstopCategory, new VaultBackstopState(), VaultBackstop.Evolve) { SnapshotEvery = 500 });
        _accountInbox = new AggregateInbox<LiquidationAccount>(_accounts, AccountDefinition, s => s.Inbox, "liquidation-accounts");
        _positionsInbox = new AggregateInbox<PositionBookState>(_positions, PositionsDefinition, s => s.Inbox, "liquidation-positions");
    }

    public LiquidationRules Rules => _rules;

    public string FundStreamId => _fund.StreamIdOf(FundId);

    /// <summary>Accounts with a liquidation in progress.</summary>
    public async Task<IReadOnlyList<string>> ActiveAccountsAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await CatchUpAsync(cancellationToken);
            return [.. _active];
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<InboxOutcome> HandleRiskAsync(RiskInput risk, CancellationToken cancellationToken) => Gated(async () =>
    {
        foreach (var position in risk.Positions)
        {
            _rules.For(position.Market);
            await _positionsInbox.ExecuteAsync(position.Market, risk.Source.Stream, risk.Source.Sequence,
                s => PositionBook.OnEquity(Book(s, position.Market), risk.AccountId, risk.Equity, risk.Source), cancellationToken: cancellationToken);
        }

        var openInterest = await OpenInterestAsync(risk.Positions.Select(p => p.Market), cancellationToken);
        var outcome = await _accountInbox.ExecuteAsync(risk.AccountId, risk.Source.Stream, risk.Source.Sequence,
            s => LiquidationProcess.OnRisk(Account(s, risk.AccountId), risk, _rulesAt(risk.At), m => openInterest.GetValueOrDefault(m)), cancellationToken: cancellationToken);
        await SyncDerivedAsync(risk.AccountId, cancellationToken);
        return outcome;
    }, cancellationToken);

    /// <summary>A fill from matching: always into the market's positions; into a liquidation when one side is a liquidation order.</summary>
    public Task HandleFillAsync(FillInput fill, CancellationToken cancellationToken) => Gated(async () =>
    {
        var rules = _rules.For(fill.Market);
        await _positionsInbox.ExecuteAsync(fill.Market, fill.Source.Stream, fill.Source.Sequence,
            s => PositionBook.OnFill(Book(s, fill.Market), fill.FillId, fill.TakerAccountId, fill.MakerAccountId, fill.TakerBuys, fill.Quantity, fill.Price, rules, fill.At, fill.Source),
            cancellationToken: cancellationToken);
        foreach (var (account, orderId) in fill.LiquidationSides)
        {
            var input = new SliceFillInput(orderId, fill.Market, fill.FillId, fill.Quantity, fill.Price, fill.At, fill.Source);
            await _accountInbox.ExecuteAsync(account, fill.Source.Stream, fill.Source.Sequence,
                s => LiquidationProcess.OnSliceFill(Account(s, account), input, _rulesAt(fill.At)), cancellationToken: cancellationToken);
            await SyncDerivedAsync(account, cancellationToken);
        }

        return 0;
    }, cancellationToken);

    /// <summary>
    /// A run of fills with no liquidation order on either side: into each market's positions as one write per market
    /// (each fill still through the positions inbox, in order), instead of one write per fill.
    /// </summary>
    public Task<int> HandlePlainFillsAsync(IReadOnlyList<FillInput> fills, CancellationToken cancellationToken) => Gated(async () =>
    {
        if (fills.FirstOrDefault(f => f.LiquidationSides.Count > 0) is { } liquidating)
        {
            throw new ArgumentException($"Fill {liquidating.FillId} has a liquidation order on a side: it goes through {nameof(HandleFillAsync)}.", nameof(fills));
        }

        foreach (var market in fills.GroupBy(f => f.Market, StringComparer.Ordinal))
        {
            var rules = _rules.For(market.Key);
            var messages = market
                .Select(fill => new InboxMessage<PositionBookState>(fill.Source.Stream, fill.Source.Sequence,
                    s => PositionBook.OnFill(Book(s, fill.Market), fill.FillId, fill.TakerAccountId, fill.MakerAccountId, fill.TakerBuys, fill.Quantity, fill.Price, rules, fill.At, fill.Source)))
                .ToList();
            await _positionsInbox.ExecuteManyAsync(market.Key, messages, cancellationToken);
        }

        return fills.Count;
    }, cancellationToken);

    /// <summary>Matching ended a liquidation order with quantity left (IOC remainder, rejection).</summary>
    public Task HandleOrderEndedAsync(string accountId, SliceEndInput end, CancellationToken cancellationToken) => Gated(async () =>
    {
        await _accountInbox.ExecuteAsync(accountId, end.Source.Stream, end.Source.Sequence,
            s => LiquidationProcess.OnSliceEnd(Account(s, accountId), end), cancellationToken: cancellationToken);
        await SyncDerivedAsync(accountId, cancellationToken);
        return 0;
    }, cancellationToken);

    /// <summary>The clock: advances every active liquidation to <paramref name="now"/>.</summary>
    public Task<int> TickAsync(DateTimeOffset now, CancellationToken cancellationToken) => Gated(async () =>
    {
        var decided = 0;
        var rules = _rulesAt(now);
        foreach (var account in _active.ToList())
        {
            var loaded = await _accounts.LoadAsync(account, cancellationToken);
            if (loaded.State.Active is not { } active)
            {
                _active.Remove(account);
                continue;
            }

            var books = new Dictionary<string, PositionBookState>(StringComparer.Ordinal);
            foreach (var market in active.Markets.Keys)
            {
                books[market] = (await _positions.LoadAsync(market, cancellationToken)).State;
            }

            var fund = (await _fund.LoadAsync(FundId, cancellationToken)).State;
            var vault = _vaultRules.Enabled ? (await _vaultBackstop.LoadAsync(_vaultRules.VaultId, cancellationToken)).State.Capacity(_vaultRules, now) : VaultCapacity.None;
            var events = await _accounts.ExecuteAsync(account,
                s => LiquidationProcess.Advance(Account(s, account), now, rules, vault, fund.Capacity(rules, now), m => books[m].Candidates(), m => books[m].OpenInterest),
                cancellationToken: cancellationToken);
            decided += events.Count;
            await SyncDerivedAsync(account, cancellationToken);
        }

        return decided;
    }, cancellationToken);

    /// <summary>Money paid into the insurance fund (operator action), once per reference.</summary>
    public Task<IReadOnlyList<object>> DepositAsync(string reference, decimal amount, string by, string reason, CancellationToken cancellationToken) => Gated(() =>
        _fund.ExecuteAsync(FundId, s => InsuranceFund.Deposit(s, reference, amount, by, reason, _time.GetUtcNow()), cancellationToken: cancellationToken), cancellationToken);

    /// <summary>The vault's backstop usage inside its cap window (empty when no vault is configured).</summary>
    public Task<Loaded<VaultBackstopState>> LoadVaultBackstopAsync(CancellationToken cancellationToken) =>
        Gated(() => _vaultBackstop.LoadAsync(_vaultRules.Enabled ? _vaultRules.VaultId : "none", cancellationToken), cancellationToken);

    public Task<Loaded<InsuranceFundState>> LoadFundAsync(CancellationToken cancellationToken) => Gated(() => _fund.LoadAsync(FundId, cancellationToken), cancellationToken);

    public Task<Loaded<LiquidationAccount>> LoadAccountAsync(string accountId, CancellationToken cancellationToken) => Gated(async () =>
    {
        var loaded = await _accounts.LoadAsync(accountId, cancellationToken);
        return loaded with { State = Account(loaded.State, accountId) };
    }, cancellationToken);

    public Task<Loaded<PositionBookState>> LoadPositionsAsync(string market, CancellationToken cancellationToken) => Gated(async () =>
    {
        var loaded = await _positions.LoadAsync(market, cancellationToken);
        return loaded with { State = Book(loaded.State, market) };
    }, cancellationToken);

    private async Task<T> Gated<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await CatchUpAsync(cancellationToken);
            return await action();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Dictionary<string, decimal>> OpenInterestAsync(IEnumerable<string> markets, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var market in markets.Distinct(StringComparer.Ordinal))
        {
            result[market] = (await _positions.LoadAsync(market, cancellationToken)).State.OpenInterest;
        }

        return result;
    }

    /// <summary>Replays every liquidation stream into the fund and the positions once per process, before the first decision.</summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (_caughtUp)
        {
            return;
        }

        var position = 1L;
        var applied = 0;
        while (true)
        {
            var page = new List<RecordedEvent>();
            await foreach (var recorded in _store.ReadAllAsync(position, 500, AccountCategory, cancellationToken))
            {
                page.Add(recorded);
            }

            if (page.Count == 0)
            {
                break;
            }

            foreach (var recorded in page)
            {
                applied += await ApplyDerivedAsync(recorded, cancellationToken);
            }

            position = page[^1].GlobalPosition + 1;
        }

        _caughtUp = true;
        _logger.LogInformation("Liquidation caught up: {Streams} liquidation streams, {Applied} effects applied now, {Active} liquidations in progress",
            _synced.Count, applied, _active.Count);
    }

    private async Task SyncDerivedAsync(string accountId, CancellationToken cancellationToken)
    {
        var streamId = _accounts.StreamIdOf(accountId);
        var from = _synced.TryGetValue(streamId, out var last) ? last + 1 : 0;
        await foreach (var recorded in _store.ReadStreamAsync(streamId, ReadDirection.Forward, from, int.MaxValue, cancellationToken))
        {
            await ApplyDerivedAsync(recorded, cancellationToken);
        }
    }

    private async Task<int> ApplyDerivedAsync(RecordedEvent recorded, CancellationToken cancellationToken)
    {
        var @event = LiquidationJsonContext.Serializer.Deserialize(recorded);
        var source = new MessageSource(recorded.StreamId, recorded.StreamVersion);
        var applied = (await _fund.ExecuteAsync(FundId, s => InsuranceFund.OnLiquidationEvent(s, @event, source), cancellationToken: cancellationToken)).Count;
        if (@event is TransferredToVault toVault)
        {
            applied += (await _vaultBackstop.ExecuteAsync(toVault.VaultId, s => VaultBackstop.OnLiquidationEvent(s, @event, source), cancellationToken: cancellationToken)).Count;
        }

        var market = @event switch
        {
            TransferredToFund e => e.Market,
            TransferredToVault e => e.Market,
            AdlExecuted e => e.Market,
            _ => null,
        };
        if (market is not null)
        {
            var rules = _rules.For(market);
            applied += (await _positions.ExecuteAsync(market, s => PositionBook.OnLiquidationEvent(Book(s, market), @event, rules, source), cancellationToken: cancellationToken)).Count;
        }

        switch (@event)
        {
            case LiquidationStarted e:
                _active.Add(e.AccountId);
                break;
            case LiquidationCompleted { Last: true } e:
                _active.Remove(e.AccountId);
                break;
        }

        _synced[recorded.StreamId] = recorded.StreamVersion;
        return applied;
    }

    private static LiquidationAccount Account(LiquidationAccount state, string accountId) =>
        state.AccountId.Length == 0 ? state with { AccountId = accountId } : state;

    private static PositionBookState Book(PositionBookState state, string market) =>
        state.Market.Length == 0 ? state with { Market = market } : state;
}

/// <summary>A fill as the engine needs it; LiquidationSides lists (account, order id) of each side placed by liquidation.</summary>
public sealed record FillInput(
    string Market,
    string FillId,
    string TakerAccountId,
    string MakerAccountId,
    bool TakerBuys,
    decimal Quantity,
    decimal Price,
    DateTimeOffset At,
    IReadOnlyList<(string AccountId, string OrderId)> LiquidationSides,
    MessageSource Source);
