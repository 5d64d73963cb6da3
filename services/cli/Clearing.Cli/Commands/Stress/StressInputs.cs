using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Stress;
using Clearing.Primitives.Markets;
using Microsoft.Data.Sqlite;

namespace Clearing.Cli.Commands.Stress;

/// <summary>A price `stress` starts from, and where it came from (shown in the report so nobody stresses a guess unknowingly).</summary>
internal sealed record PriceSource(decimal Value, string Source);

/// <summary>What `clearing stress` revalues: every trading sub-account, the default resources and the starting prices.</summary>
internal sealed record StressInputs(
    IReadOnlyList<StressMember> Members,
    IReadOnlyList<StressMember> InsuranceFund,
    IReadOnlyList<StressMember> Vault,
    RiskPrices Prices,
    IReadOnlyDictionary<string, PriceSource> Indexes,
    IReadOnlyDictionary<string, PriceSource> Marks,
    long Events,
    bool LedgerUsed);

/// <summary>Thrown for inputs `stress` cannot run on; the message says what to pass.</summary>
internal sealed class StressInputException(string message) : Exception(message);

/// <summary>
/// Builds <see cref="StressInputs"/> from margin's event store (accounts folded with the domain; system accounts'
/// balances from the numbered ledger, since fees and liquidation fees reach them from other accounts' streams) and
/// from prices, in this order of precedence: --price, the live read model (marks margin last wrote, when the data
/// directory of a running or stopped stack holds one), the store (the latest fill, funding or risk-event mark per market).
/// </summary>
internal static class StressInputLoader
{
    public static async Task<StressInputs> LoadAsync(IEventStore store, FileInfo? liveReadModel, IReadOnlyDictionary<string, decimal> overrides,
        MarketCatalog markets, CancellationToken cancellationToken)
    {
        var marks = new Dictionary<string, PriceSource>(StringComparer.Ordinal);
        var asOf = DateTimeOffset.MinValue;
        var fold = await MarginStoreFold.LoadAsync(store, cancellationToken, recorded =>
        {
            asOf = recorded.Timestamp > asOf ? recorded.Timestamp : asOf;
            var source = $"store: {recorded.StreamId}@{recorded.StreamVersion.ToString(CultureInfo.InvariantCulture)}";
            switch (MarginStoreFold.Deserialize(recorded))
            {
                case PositionChanged { Price: > 0m } changed when IsLinear(markets, changed.Market):
                    marks[changed.Market] = new PriceSource(changed.Price, source);
                    break;
                case RiskEventRecorded risk:
                    foreach (var line in risk.Risk.Positions.Where(l => l.MarkPrice > 0m && IsLinear(markets, l.Market)))
                    {
                        marks[line.Market] = new PriceSource(line.MarkPrice, source);
                    }
                    break;
            }
        });

        if (liveReadModel is { Exists: true })
        {
            foreach (var (market, mark) in await ReadLiveMarksAsync(liveReadModel, markets, cancellationToken))
            {
                marks[market] = mark;
            }
        }

        var ledger = await LedgerBalancesAsync(store, cancellationToken);
        var members = new List<StressMember>();
        var fund = new List<StressMember>();
        var vault = new List<StressMember>();
        foreach (var (owner, (state, _)) in fold.Accounts.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            foreach (var sub in state.SubAccounts.Values)
            {
                var accountId = state.AccountIdOf(sub.Number);
                if (IsVault(owner))
                {
                    // A margined vault account's own stream holds its balances; the old system-style id lived in the ledger.
                    vault.Add(new StressMember(accountId, SystemAccounts.IsSystem(owner) ? WithLedger(sub, accountId, ledger) : sub));
                }
                else if (!SystemAccounts.IsSystem(owner))
                {
                    members.Add(new StressMember(accountId, sub));
                }
                else if (accountId == SystemAccounts.InsuranceFund)
                {
                    fund.Add(new StressMember(accountId, WithLedger(sub, accountId, ledger)));
                }
            }
        }
        // A fund or vault that only ever received money has no stream of its own: the ledger alone knows it.
        if (ledger is not null)
        {
            foreach (var accountId in ledger.Keys.Select(k => k.Account).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var list = accountId == SystemAccounts.InsuranceFund ? fund : IsVault(accountId) ? vault : null;
                if (list is not null && list.All(m => m.AccountId != accountId))
                {
                    list.Add(new StressMember(accountId, WithLedger(SubAccount.Open(0), accountId, ledger)));
                }
            }
        }

        var indexes = new Dictionary<string, PriceSource>(StringComparer.Ordinal);
        // An asset's index is taken from its perpetual's mark (the closest thing to the index a store holds), else a future's.
        foreach (var (market, mark) in marks.OrderBy(m => markets.Get(m.Key).Kind == MarketKind.Perpetual ? 1 : 0))
        {
            indexes[markets.Get(market).Underlying] = mark with { Source = $"{market} mark, {mark.Source}" };
        }
        foreach (var (name, value) in overrides)
        {
            if (markets.TryGet(name, out var market))
            {
                if (market.Kind == MarketKind.Option)
                {
                    throw new StressInputException($"--price {name}: option marks come from the model (underlying index and volatility); give --price {market.Underlying}=<index> instead.");
                }
                marks[name] = new PriceSource(value, "--price");
            }
            else
            {
                indexes[name] = new PriceSource(value, "--price");
                foreach (var linear in markets.ForUnderlying(name).Where(m => m.Kind != MarketKind.Option && !overrides.ContainsKey(m.Symbol)))
                {
                    marks[linear.Symbol] = new PriceSource(value, $"--price {name}");
                }
            }
        }

        var quotes = markets.All.Select(m => m.QuoteAsset).ToHashSet(StringComparer.Ordinal);
        var parameters = MarginParameters.Default;
        var needed = members.Concat(fund).Concat(vault)
            .SelectMany(m => m.Sub.Positions.Values.Where(p => p.Size != 0m).Select(p => (Asset: markets.Get(p.Market).Underlying, m.AccountId))
                .Concat(m.Sub.Balances.Where(b => b.Value != 0m).Select(b => (Asset: b.Key, m.AccountId))))
            .Where(n => !quotes.Contains(n.Asset) && !(parameters.Collateral.TryGetValue(n.Asset, out var terms) && terms.FixedPrice is not null));
        foreach (var (asset, accountId) in needed)
        {
            if (!indexes.ContainsKey(asset))
            {
                throw new StressInputException($"no price for {asset} (held by {accountId}): the store has no mark for any {asset} market; pass --price {asset}=<index>.");
            }
        }

        var prices = new RiskPrices { AsOf = asOf == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : asOf };
        foreach (var (asset, index) in indexes)
        {
            if (index.Value <= 0m)
            {
                throw new StressInputException($"price of {asset} must be positive, got {index.Value} ({index.Source}).");
            }
            prices = prices with { Assets = prices.Assets.SetItem(asset, new AssetPrice(index.Value, Stale: false, 0, prices.AsOf)) };
        }
        foreach (var (market, mark) in marks)
        {
            prices = prices.WithMark(market, mark.Value);
        }
        return new StressInputs(members, fund, vault, prices, indexes, marks, fold.EventsFolded, ledger is not null);
    }

    /// <summary>
    /// An LP vault's trading account ("vault-{id}", margined like any trader's: its quotes and the positions it took over
    /// are revalued with everyone's) is the vault's capacity, not a member that could default; "vault:" is the id the
    /// backstop used before the vault had one account.
    /// </summary>
    private static bool IsVault(string accountOrOwner) =>
        accountOrOwner.StartsWith(Clearing.Primitives.Accounts.VaultAccounts.Prefix, StringComparison.Ordinal) || accountOrOwner.StartsWith("vault:", StringComparison.Ordinal);

    private static bool IsLinear(MarketCatalog markets, string market) => markets.TryGet(market, out var m) && m.Kind != MarketKind.Option;

    private static SubAccount WithLedger(SubAccount sub, string accountId, Dictionary<(string Account, string Asset), decimal>? ledger) =>
        ledger is null ? sub : sub with
        {
            Balances = ledger.Where(b => b.Key.Account == accountId).ToImmutableSortedDictionary(b => b.Key.Asset, b => b.Value, StringComparer.Ordinal),
        };

    private static async Task<Dictionary<(string Account, string Asset), decimal>?> LedgerBalancesAsync(IEventStore store, CancellationToken cancellationToken)
    {
        if (await store.GetStreamVersionAsync(MarginLedgerProjection.LedgerStream, cancellationToken) < 0)
        {
            return null;
        }
        var balances = new Dictionary<(string Account, string Asset), decimal>();
        await foreach (var recorded in store.ReadStreamAsync(MarginLedgerProjection.LedgerStream, ReadDirection.Forward, 0, cancellationToken: cancellationToken))
        {
            foreach (var posting in ((LedgerEntryRecorded)MarginStoreFold.Deserialize(recorded)).Postings)
            {
                balances[(posting.AccountId, posting.Asset)] = balances.GetValueOrDefault((posting.AccountId, posting.Asset)) + posting.Amount;
            }
        }
        return balances;
    }

    /// <summary>The newest mark per linear market in margin's live read model (AccountRiskView rows, by their asOf).</summary>
    private static async Task<Dictionary<string, PriceSource>> ReadLiveMarksAsync(FileInfo file, MarketCatalog markets, CancellationToken cancellationToken)
    {
        var newest = new Dictionary<string, (DateTimeOffset AsOf, decimal Mark)>(StringComparer.Ordinal);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file.FullName, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await using (connection)
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT value FROM state WHERE key LIKE 'account-risk:%'";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var view = JsonNode.Parse(reader.GetString(0));
                var asOf = view?["asOf"]?.GetValue<DateTimeOffset>() ?? DateTimeOffset.MinValue;
                foreach (var line in view?["positions"]?.AsArray() ?? [])
                {
                    var market = line?["market"]?.GetValue<string>();
                    var mark = line?["markPrice"]?.GetValue<decimal>() ?? 0m;
                    if (market is null || mark <= 0m || !IsLinear(markets, market))
                    {
                        continue;
                    }
                    if (!newest.TryGetValue(market, out var known) || asOf > known.AsOf)
                    {
                        newest[market] = (asOf, mark);
                    }
                }
            }
        }
        return newest.ToDictionary(m => m.Key, m => new PriceSource(m.Value.Mark, $"live read model {file.Name} as of {m.Value.AsOf:O}"), StringComparer.Ordinal);
    }
}
