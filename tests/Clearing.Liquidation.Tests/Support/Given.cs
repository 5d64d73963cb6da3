using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Process;

namespace Clearing.Liquidation.Tests.Support;

/// <summary>Builders for the domain tests: BTC-PERP-like rules, risk events and a fold of events.</summary>
internal static class Given
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static MarketRules Btc(Func<MarketRules, MarketRules>? change = null)
    {
        var rules = new MarketRules { Market = "BTC-PERP", TickSize = 0.5m, LotSize = 0.001m };
        return change is null ? rules : change(rules);
    }

    public static LiquidationRules Rules(params MarketRules[] markets) => new(markets.Length == 0 ? [Btc()] : markets);

    private static long _sequence;

    public static MessageSource Source(string stream = "account-acct-1") => new(stream, Interlocked.Increment(ref _sequence));

    public static RiskInput Risk(
        string account = "acct-1",
        RiskKind kind = RiskKind.LiquidationRequired,
        decimal size = 1m,
        decimal entry = 50_000m,
        decimal mark = 46_000m,
        decimal bankruptcy = 45_000m,
        decimal equity = 1_000m,
        decimal initial = 2_300m,
        decimal maintenance = 1_150m,
        decimal toRestore = 1_300m,
        string market = "BTC-PERP",
        DateTimeOffset? at = null,
        MessageSource? source = null) =>
        new(account, kind, at ?? T0, equity, initial, maintenance, toRestore,
            [new PositionRiskInput(market, size, entry, mark, maintenance, bankruptcy)], source ?? Source($"account-{account}"));

    public static LiquidationAccount Fold(LiquidationAccount state, IEnumerable<object> events) => events.Aggregate(state, LiquidationProcess.Evolve);

    public static FundCapacity Fund(decimal balance, decimal cap = 1_000_000m) => new(balance, _ => cap);

    public static InsuranceFundState FundState(decimal balance) => new() { Balance = balance };

    public static IReadOnlyList<AdlCandidate> NoCandidates(string market) => [];

    public static decimal NoOpenInterest(string market) => 0m;
}
