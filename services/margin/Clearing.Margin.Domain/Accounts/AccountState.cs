using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Clearing.Primitives.Inbox;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>Health bands, safe to bankrupt (clearing.margin.v1.HealthBand has the same numbers).</summary>
public enum HealthBand
{
    Healthy = 1,
    Warning = 2,
    Liquidation = 3,
    Bankrupt = 4,
}

/// <summary>
/// An open position booked "futures-style": <see cref="Cost"/> is the exact signed notional of the open lots
/// (Σ size × price), so unrealized PnL = size × mark − cost and a full close realizes exactly what the trades made
/// (no rounding of an average entry ever leaks into money). Options are booked the same way with the premium as the
/// price; their mark is the model value. <see cref="IsolatedCollateral"/> is the part of the account's quote balance
/// pinned to this position when <see cref="Isolated"/>: it backs this position only and only this position's PnL
/// moves it. Realized PnL, fees and funding are running totals, for statements (the money is in the balances).
/// </summary>
public sealed record Position(
    string Market,
    decimal Size,
    decimal Cost,
    bool Isolated = false,
    decimal IsolatedCollateral = 0m,
    decimal RealizedPnl = 0m,
    decimal Fees = 0m,
    decimal Funding = 0m)
{
    public const int EntryDecimals = 8;

    [JsonIgnore]
    public decimal EntryPrice => Size == 0m ? 0m : Math.Round(Cost / Size, EntryDecimals, MidpointRounding.ToEven);

    [JsonIgnore]
    public bool IsOpen => Size != 0m;
}

/// <summary>One margin unit: its balances per asset (the ledger's view: isolated pins included), positions and the
/// band its last valuation put it in, plus the gap-free counter of its public risk events.</summary>
public sealed record SubAccount(
    int Number,
    ImmutableSortedDictionary<string, decimal> Balances,
    ImmutableSortedDictionary<string, Position> Positions,
    HealthBand Band,
    long RiskSequence)
{
    public static SubAccount Open(int number) => new(
        number,
        ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, Position>(StringComparer.Ordinal),
        HealthBand.Healthy,
        0);

    public decimal BalanceOf(string asset) => Balances.TryGetValue(asset, out var balance) ? balance : 0m;

    /// <summary>The quote balance not pinned to isolated positions.</summary>
    public decimal FreeBalanceOf(string asset, string quoteAsset) =>
        BalanceOf(asset) - (asset == quoteAsset ? Positions.Values.Where(p => p.Isolated).Sum(p => Math.Max(p.IsolatedCollateral, 0m)) : 0m);
}

/// <summary>
/// The account aggregate (stream "account-{owner}"): its sub-accounts, the external references it has applied
/// (deposit and withdrawal idempotency) and its inbox (the last message applied per source stream).
/// </summary>
public sealed record Account(
    string Owner,
    ImmutableSortedDictionary<int, SubAccount> SubAccounts,
    ImmutableSortedSet<string> References,
    InboxPosition Inbox)
{
    public static Account Empty(string owner) => new(
        owner,
        ImmutableSortedDictionary<int, SubAccount>.Empty,
        ImmutableSortedSet.Create<string>(StringComparer.Ordinal),
        InboxPosition.Empty);

    public SubAccount Sub(int number) => SubAccounts.TryGetValue(number, out var sub) ? sub : SubAccount.Open(number);

    public SubAccount Sub(AccountAddress address) => Sub(address.SubAccount);

    public string AccountIdOf(int number) => new AccountAddress(Owner, number).AccountId;

    /// <summary>A finished liquidation case whose re-check waits for its last fills (null: none).</summary>
    public LiquidationRecheckDeferred? PendingRecheck { get; init; }

    /// <summary>Markets this account holds an open position in, in any sub-account.</summary>
    public IEnumerable<string> OpenMarkets => SubAccounts.Values.SelectMany(s => s.Positions.Keys).Distinct(StringComparer.Ordinal);

    public IEnumerable<string> HeldAssets => SubAccounts.Values.SelectMany(s => s.Balances.Keys).Distinct(StringComparer.Ordinal);
}
