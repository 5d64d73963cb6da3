using Clearing.Contracts.ReadModels;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka.Inbox;
using Clearing.Primitives.Markets;
using Microsoft.Extensions.Logging;

namespace Clearing.Margin.Application;

/// <summary>
/// The margin host's application core. Every change to an account goes through the account aggregate (load, decide,
/// append with the expected version; consumed messages through the aggregate's inbox), then the in-memory copy, the
/// market → accounts index and the read model are refreshed. A price tick revalues, from memory, only the accounts the
/// index says hold the ticked asset (positions on it, or it as collateral), and appends only where a band is crossed.
/// One gate serializes writers in this process; the stream versions serialize writers across processes.
/// </summary>
public sealed class AccountBook
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byMarket = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byCollateral = new(StringComparer.Ordinal);
    // The price-tick fast path: sub-accounts holding exactly one cross linear position and only fixed-price
    // collateral live in their market's fixed-point index; every other holder is revalued exactly on each tick.
    private readonly Dictionary<string, MarketRiskIndex> _indexes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _indexedSubs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _indexedOwners = new(StringComparer.Ordinal);
    private readonly List<int> _moved = [];
    private readonly AggregateRepository<Account> _repository;
    private readonly AggregateInbox<Account> _inbox;
    private readonly AccountRiskViews _views;
    private readonly TimeProvider _time;
    private readonly ILogger<AccountBook> _logger;

    public AccountBook(IEventStore store, AccountDecider decider, PriceBook prices, AccountRiskViews views, TimeProvider time, ILogger<AccountBook> logger)
    {
        Store = store;
        Decider = decider;
        Prices = prices;
        _views = views;
        _time = time;
        _logger = logger;
        _repository = new AggregateRepository<Account>(store, MarginEventTypes.Serializer, MarginEventTypes.AccountDefinition);
        _inbox = new AggregateInbox<Account>(_repository, MarginEventTypes.AccountDefinition, a => a.Inbox, "margin");
    }

    public IEventStore Store { get; }

    public AccountDecider Decider { get; private set; }

    public PriceBook Prices { get; }

    public MarketCatalog Markets => Decider.Risk.Markets;

    public long RevaluedAccounts { get; private set; }

    /// <summary>Loads every account stream into memory and builds the indexes (at start, before consumers run).</summary>
    public async Task LoadAllAsync(CancellationToken cancellationToken)
    {
        var owners = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var recorded in Store.ReadAllAsync(1, int.MaxValue, MarginEventTypes.AccountCategory, cancellationToken))
        {
            owners.Add(recorded.StreamId[(MarginEventTypes.AccountCategory.Length + 1)..]);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var owner in owners)
            {
                await RefreshLockedAsync(owner, writeViews: false, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }

        _logger.LogInformation("Margin loaded {Accounts} accounts from the event store", owners.Count);
    }

    /// <summary>The owners holding an open position in <paramref name="market"/>.</summary>
    public async Task<IReadOnlyList<string>> HoldersOfAsync(string market, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _byMarket.TryGetValue(market, out var owners) ? owners.Order(StringComparer.Ordinal).ToList() : [];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs a gRPC command (no inbox) against an owner. Domain refusals propagate as <see cref="AccountRuleException"/>.</summary>
    public async Task<(IReadOnlyList<object> Events, Account State, long Version)> ExecuteAsync(string owner, Func<Account, RiskPrices, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var events = await _repository.ExecuteAsync(owner, state => decide(Own(state, owner), Prices.Current), cancellationToken: cancellationToken);
            await RefreshLockedAsync(owner, writeViews: true, cancellationToken);
            return (events, _accounts[owner], _versions[owner]);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies a consumed message to an owner exactly once (its inbox position is part of the append).</summary>
    public async Task<InboxOutcome> ApplyAsync(string owner, MessageSource source, Func<Account, RiskPrices, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var outcome = await _inbox.ExecuteAsync(owner, source.Stream, source.Sequence, state => decide(Own(state, owner), Prices.Current), cancellationToken: cancellationToken);
            if (outcome == InboxOutcome.Applied)
            {
                var views = new List<AccountRiskView>();
                await TakeWrittenLockedAsync(owner, views, cancellationToken);
                await _views.WriteAsync(views, cancellationToken);
            }

            return outcome;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Applies a run of consumed messages, each to its owner exactly once, under one gate acquisition: each owner's
    /// messages are decided in order and appended as one write, the owners' writes go to the store together (one group
    /// commit), and the read model is written once for every owner that changed. Per owner, the result is what
    /// <see cref="ApplyAsync"/> one message at a time would give; a consumer far behind pays one commit per run, not
    /// two per fill. If any owner's write fails the run throws, and every owner is reloaded from the store first, so
    /// memory never runs ahead of or behind what was written.
    /// </summary>
    public async Task<IReadOnlyList<InboxOutcome>> ApplyManyAsync(IReadOnlyList<AccountInput> inputs, CancellationToken cancellationToken)
    {
        var outcomes = new InboxOutcome[inputs.Count];
        var owners = inputs.Select((input, index) => (input, index)).GroupBy(x => x.input.Owner, StringComparer.Ordinal).ToList();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var prices = Prices.Current;
            var writes = owners.Select(async group =>
            {
                var owner = group.Key;
                var messages = group
                    .Select(x => new InboxMessage<Account>(x.input.Source.Stream, x.input.Source.Sequence, state => x.input.Decide(Own(state, owner), prices)))
                    .ToList();
                var applied = await _inbox.ExecuteManyAsync(owner, messages, cancellationToken);
                var i = 0;
                foreach (var (_, index) in group)
                {
                    outcomes[index] = applied[i++];
                }

                return applied.Contains(InboxOutcome.Applied) ? owner : null;
            }).ToList();

            string?[] changed;
            try
            {
                changed = await Task.WhenAll(writes);
            }
            catch
            {
                // Some owners may have been written: take every owner of the run from the store before the caller retries.
                foreach (var group in owners)
                {
                    await RefreshLockedAsync(group.Key, writeViews: true, cancellationToken);
                }

                throw;
            }

            var views = new List<AccountRiskView>();
            foreach (var owner in changed.OfType<string>())
            {
                await TakeWrittenLockedAsync(owner, views, cancellationToken);
            }

            await _views.WriteAsync(views, cancellationToken);
            return outcomes;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reloads an owner written by someone else in this process (the operator credit path).</summary>
    public async Task RefreshAsync(string owner, CancellationToken cancellationToken)
    {
        await ExecuteAsync(owner, (state, prices) => Decider.Decide(state, new Revalue("", 0, _time.GetUtcNow()), prices), cancellationToken);
    }

    /// <summary>
    /// A price tick for <paramref name="asset"/>: revalues the accounts holding one of its markets or holding it as
    /// collateral, from memory, and appends risk events for those whose band it crosses. Returns how many crossed.
    /// </summary>
    public async Task<int> RevalueAsync(string asset, long sequence, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var prices = Prices.Current;
            var candidates = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var market in Markets.ForUnderlying(asset))
            {
                if (_byMarket.TryGetValue(market.Symbol, out var holders))
                {
                    candidates.UnionWith(holders.Where(owner => !_indexedOwners.Contains(owner)));
                }

                if (_indexes.TryGetValue(market.Symbol, out var index) && prices.MarkOf(market.Symbol, market.Underlying) is { } mark)
                {
                    _moved.Clear();
                    index.Revalue(mark, _moved);
                    candidates.UnionWith(_moved.Select(slot => AccountAddress.Parse(index.AccountAt(slot)).Owner));
                }
            }

            if (_byCollateral.TryGetValue(asset, out var collateralHolders))
            {
                candidates.UnionWith(collateralHolders);
            }

            var crossed = 0;
            foreach (var owner in candidates.Where(o => !SystemAccounts.IsSystem(o)))
            {
                RevaluedAccounts++;
                var state = _accounts[owner];
                var moved = state.SubAccounts.Values.Any(sub => Decider.Risk.Evaluate(state.AccountIdOf(sub.Number), sub, prices, asset, sequence).Band != sub.Band);
                if (!moved)
                {
                    continue;
                }

                crossed++;
                await _repository.ExecuteAsync(owner, s => Decider.Decide(Own(s, owner), new Revalue(asset, sequence, at), Prices.Current), cancellationToken: cancellationToken);
                await RefreshLockedAsync(owner, writeViews: true, cancellationToken);
            }

            return crossed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Switches to <paramref name="decider"/> (new margin parameters from governance, MarginParametersGateway) between
    /// two writes, and rebuilds the price-tick indexes, which hold each market's schedule.
    /// </summary>
    public async Task UseDeciderAsync(AccountDecider decider, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Decider = decider;
            _indexes.Clear();
            _indexedSubs.Clear();
            _indexedOwners.Clear();
            foreach (var (owner, state) in _accounts)
            {
                IndexForTicks(owner, state);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The in-memory copy of an owner (what price ticks revalue and the risk view was built from), with its version; null when unknown.</summary>
    public async Task<(Account State, long Version)?> InMemoryAsync(string owner, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _accounts.TryGetValue(owner, out var state) ? (state, _versions[owner]) : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The account as stored now (not the in-memory copy), with its version.</summary>
    public async Task<(Account State, long Version)> LoadAsync(string owner, CancellationToken cancellationToken)
    {
        var loaded = await _repository.LoadAsync(owner, cancellationToken);
        return (Own(loaded.State, owner), loaded.Version);
    }

    private async Task RefreshLockedAsync(string owner, bool writeViews, CancellationToken cancellationToken)
    {
        var views = writeViews ? new List<AccountRiskView>() : null;
        await RefreshLockedAsync(owner, views, cancellationToken);
        if (views is not null)
        {
            await _views.WriteAsync(views, cancellationToken);
        }
    }

    /// <summary>
    /// After this process appended to the owner's stream: the repository holds exactly the state it wrote, so it is taken
    /// without reading the stream's tail again (the store is read only if the repository no longer holds the owner).
    /// </summary>
    private async Task TakeWrittenLockedAsync(string owner, List<AccountRiskView> views, CancellationToken cancellationToken)
    {
        if (_repository.Cached(owner) is { } written)
        {
            Take(owner, Own(written.State, owner), written.Version, views);
        }
        else
        {
            await RefreshLockedAsync(owner, views, cancellationToken);
        }
    }

    /// <summary>Takes the owner's state from the store into memory and the indexes; adds its risk views to <paramref name="views"/> when given.</summary>
    private async Task RefreshLockedAsync(string owner, List<AccountRiskView>? views, CancellationToken cancellationToken)
    {
        var (state, version) = await LoadAsync(owner, cancellationToken);
        Take(owner, state, version, views);
    }

    private void Take(string owner, Account state, long version, List<AccountRiskView>? views)
    {
        if (_accounts.TryGetValue(owner, out var previous))
        {
            Unindex(owner, previous);
        }

        _accounts[owner] = state;
        _versions[owner] = version;
        foreach (var market in state.SubAccounts.Values.SelectMany(s => s.Positions.Values).Where(p => p.Size != 0m).Select(p => p.Market))
        {
            IndexOf(_byMarket, market).Add(owner);
        }

        foreach (var asset in state.SubAccounts.Values.SelectMany(s => s.Balances).Where(b => b.Value != 0m).Select(b => b.Key))
        {
            IndexOf(_byCollateral, asset).Add(owner);
        }

        IndexForTicks(owner, state);

        if (views is not null && !SystemAccounts.IsSystem(owner))
        {
            var prices = Prices.Current;
            var now = _time.GetUtcNow();
            views.AddRange(state.SubAccounts.Values.Select(sub => AccountRiskViews.ToView(Decider.Risk.Evaluate(state.AccountIdOf(sub.Number), sub, prices), version, now,
                liquidating: sub.Band is HealthBand.Liquidation or HealthBand.Bankrupt)));
        }
    }

    private void IndexForTicks(string owner, Account state)
    {
        if (_indexedSubs.Remove(owner, out var previous))
        {
            foreach (var key in previous)
            {
                var split = key.IndexOf('|', StringComparison.Ordinal);
                _indexes[key[..split]].Remove(key[(split + 1)..]);
            }
        }

        _indexedOwners.Remove(owner);
        if (SystemAccounts.IsSystem(owner))
        {
            return;
        }

        var risk = Decider.Risk;
        var subs = state.SubAccounts.Values.Where(sub => sub.Positions.Values.Any(p => p.Size != 0m)).ToList();
        var simple = subs.Count > 0 && subs.All(sub =>
            sub.Positions.Count == 1
            && sub.Positions.Values.Single() is { Isolated: false } only
            && Markets.Get(only.Market).Kind != MarketKind.Option
            && MarketRiskIndex.Fits(only.Size)
            && sub.Balances.Where(b => b.Value != 0m).All(b => risk.Parameters.Collateral.TryGetValue(b.Key, out var terms) && terms.FixedPrice is not null));
        if (!simple)
        {
            return;
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sub in subs)
        {
            var position = sub.Positions.Values.Single();
            var market = Markets.Get(position.Market);
            if (!_indexes.TryGetValue(market.Symbol, out var index))
            {
                _indexes[market.Symbol] = index = new MarketRiskIndex(market.Symbol, risk.Parameters.ScheduleFor(market.Symbol, market.Underlying), risk.Parameters.WarningHealth);
            }

            var rest = sub.Balances.Sum(b => risk.CollateralValue(b.Key, b.Value, Prices.Current).Value);
            var accountId = state.AccountIdOf(sub.Number);
            index.Upsert(accountId, position.Size, position.Cost, rest, 0m, sub.Band);
            keys.Add($"{market.Symbol}|{accountId}");
        }

        _indexedSubs[owner] = keys;
        _indexedOwners.Add(owner);
    }

    private void Unindex(string owner, Account previous)
    {
        foreach (var market in previous.OpenMarkets)
        {
            if (_byMarket.TryGetValue(market, out var set))
            {
                set.Remove(owner);
            }
        }

        foreach (var asset in previous.HeldAssets)
        {
            if (_byCollateral.TryGetValue(asset, out var set))
            {
                set.Remove(owner);
            }
        }
    }

    private static HashSet<string> IndexOf(Dictionary<string, HashSet<string>> index, string key)
    {
        if (!index.TryGetValue(key, out var set))
        {
            index[key] = set = new HashSet<string>(StringComparer.Ordinal);
        }

        return set;
    }

    private static Account Own(Account state, string owner) => state.Owner.Length == 0 ? state with { Owner = owner } : state;
}

/// <summary>One consumed message for one owner, for <see cref="AccountBook.ApplyManyAsync"/>.</summary>
public sealed record AccountInput(string Owner, MessageSource Source, Func<Account, RiskPrices, IReadOnlyList<object>> Decide);
