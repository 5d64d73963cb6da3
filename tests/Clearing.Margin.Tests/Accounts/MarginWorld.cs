using System.Text.Json;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Primitives.Markets;

namespace Clearing.Margin.Tests.Accounts;

/// <summary>
/// Several accounts driven through the pure decider as the host would drive them: every fill applied to both
/// owners, every event kept in order per owner, so tests can replay streams and sum the ledger.
/// </summary>
internal sealed class MarginWorld
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private long _sequence;

    public MarginWorld(MarginParameters? parameters = null)
    {
        Decider = new AccountDecider(new RiskCalculator(MarketCatalog.EmbeddedDefaults, parameters ?? MarginParameters.Default, PortfolioMargin.Default));
        Prices = RiskPrices.Empty
            .WithIndex("BTC", 100_000m, stale: false, 1, T0)
            .WithIndex("ETH", 4_000m, stale: false, 1, T0)
            .WithMark("BTC-PERP", 100_000m)
            .WithMark("BTC-26MAR27", 100_000m)
            .WithMark("ETH-PERP", 4_000m);
    }

    public AccountDecider Decider { get; }

    public RiskCalculator Risk => Decider.Risk;

    public RiskPrices Prices { get; set; }

    public Dictionary<string, List<object>> Streams { get; } = new(StringComparer.Ordinal);

    public decimal Deposits { get; private set; }

    public decimal Withdrawals { get; private set; }

    public Account this[string owner] => _accounts.TryGetValue(owner, out var account) ? account : Account.Empty(owner);

    public IEnumerable<object> AllEvents => Streams.Values.SelectMany(s => s);

    public AccountRiskSnapshot RiskOf(string accountId)
    {
        var address = AccountAddress.Parse(accountId);
        return Risk.Evaluate(this[address.Owner], address.SubAccount, Prices);
    }

    public IReadOnlyList<object> Apply(string owner, Func<Account, IReadOnlyList<object>> decide)
    {
        var events = decide(this[owner]);
        _accounts[owner] = AccountDecider.Fold(this[owner], events);
        if (!Streams.TryGetValue(owner, out var stream))
        {
            Streams[owner] = stream = [];
        }

        stream.AddRange(events);
        foreach (var e in events)
        {
            switch (e)
            {
                case Deposited d when d.Asset == "USDC":
                    Deposits += d.Amount;
                    break;
                case Withdrawn w when w.Asset == "USDC":
                    Withdrawals += w.Amount;
                    break;
            }
        }

        return events;
    }

    public IReadOnlyList<object> Deposit(string accountId, decimal amount, string asset = "USDC") =>
        Apply(AccountAddress.Parse(accountId).Owner, a => Decider.Decide(a, new Deposit(accountId, asset, amount, $"dep-{++_sequence}", T0), Prices));

    public IReadOnlyList<object> Withdraw(string accountId, decimal amount, string asset = "USDC") =>
        Apply(AccountAddress.Parse(accountId).Owner, a => Decider.Decide(a, new Withdraw(accountId, asset, amount, $"wd-{++_sequence}", T0), Prices));

    /// <summary>A fill between a buyer and a seller: taker pays the taker fee, maker the maker fee (negative = rebate).</summary>
    public void Trade(string buyer, string seller, string market, decimal quantity, decimal price, decimal buyerFee = 0m, decimal sellerFee = 0m)
    {
        var fillId = $"{market}:{++_sequence}";
        var source = new MessageSource($"book-{market}", _sequence);
        var sides = new[]
        {
            new FillSide(buyer, market, fillId, quantity, price, buyerFee, "USDC", false, 0m),
            new FillSide(seller, market, fillId, -quantity, price, sellerFee, "USDC", false, 0m),
        };
        foreach (var group in sides.GroupBy(s => AccountAddress.Parse(s.AccountId).Owner))
        {
            Apply(group.Key, a => Decider.Decide(a, new BookFill(group.ToList(), source, T0), Prices));
        }
    }

    public void Fund(string market, decimal rate, decimal mark)
    {
        var source = new MessageSource($"funding-{market}", ++_sequence);
        foreach (var owner in _accounts.Keys.ToList())
        {
            Apply(owner, a => Decider.Decide(a, new ApplyFunding(market, rate, mark, $"funding:{market}:{_sequence}", source, T0), Prices));
        }
    }

    public IReadOnlyList<object> Revalue(string owner) =>
        Apply(owner, a => Decider.Decide(a, new Revalue("BTC", 2, T0), Prices));

    /// <summary>Σ of every ledger posting per ledger account, over every stream.</summary>
    public Dictionary<string, decimal> LedgerBalances(string asset = "USDC")
    {
        var balances = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var line in AllEvents.OfType<IMovesMoney>().SelectMany(m => m.LedgerLines))
        {
            foreach (var posting in line.Postings.Where(p => p.Asset == asset))
            {
                balances[posting.AccountId] = balances.GetValueOrDefault(posting.AccountId) + posting.Amount;
            }
        }

        return balances;
    }

    /// <summary>Σ of every trader sub-account's balance as the account states hold it.</summary>
    public decimal TraderBalances(string asset = "USDC") =>
        _accounts.Values.Where(a => !SystemAccounts.IsSystem(a.Owner)).SelectMany(a => a.SubAccounts.Values).Sum(s => s.BalanceOf(asset));

    public static string Json(Account account) => JsonSerializer.Serialize(account, JsonOptions);

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
