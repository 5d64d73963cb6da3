using System.Collections.Immutable;
using Clearing.EventSourcing;
using Clearing.Liquidation.Domain.Process;
using Clearing.Primitives.Inbox;

namespace Clearing.Liquidation.Domain.Vault;

/// <summary>
/// The LP vault's backstop mandate, as liquidation enforces it (issue 10). What the book cannot absorb goes to the vault
/// at the bankruptcy price before the insurance fund, but only as far as the loss at the mark stays within the vault's
/// loss cap for that market and its loss cap for all markets within <see cref="Window"/>. The JELLY incident (2025): one
/// account pumped a thin market and had its position liquidated into Hyperliquid's HLP vault, which inherited the loss;
/// Hyperliquid then capped what the vault may take. Defaults: $50k per market and $250k for all markets per 24 h,
/// takeovers of at most $500k notional each (so the vault never inherits a position it could not quote out of).
/// An empty <see cref="VaultId"/> turns the stage off: liquidation goes from the book to the fund as before.
/// </summary>
public sealed record VaultBackstopRules
{
    public string VaultId { get; init; } = string.Empty;

    public decimal DefaultMarketLossCap { get; init; } = 50_000m;

    /// <summary>Per-market overrides of the loss cap (0: the vault never backstops that market).</summary>
    public ImmutableSortedDictionary<string, decimal> MarketLossCaps { get; init; } = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal);

    public decimal DailyLossCap { get; init; } = 250_000m;

    public TimeSpan Window { get; init; } = TimeSpan.FromHours(24);

    public decimal MaxTakeoverNotional { get; init; } = 500_000m;

    public static VaultBackstopRules Off { get; } = new();

    public bool Enabled => !string.IsNullOrWhiteSpace(VaultId);

    /// <summary>
    /// The vault's one account: its trading account in margin, "vault-{id}" (where its LP money is, as the vault service
    /// names it: VaultRules.AccountId). Positions it takes over land there, margined like its quotes.
    /// </summary>
    public string AccountId => Clearing.Primitives.Accounts.VaultAccounts.AccountIdFor(VaultId);

    public decimal LossCapFor(string market) => MarketLossCaps.TryGetValue(market, out var cap) ? cap : DefaultMarketLossCap;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (DefaultMarketLossCap < 0)
        {
            problems.Add("DefaultMarketLossCap must be >= 0");
        }

        problems.AddRange(MarketLossCaps.Where(c => c.Value < 0).Select(c => $"MarketLossCaps:{c.Key} must be >= 0"));
        if (DailyLossCap < 0)
        {
            problems.Add("DailyLossCap must be >= 0");
        }

        if (Window <= TimeSpan.Zero || Window > VaultBackstop.MaxWindow)
        {
            problems.Add("Window must be positive and at most 7 days");
        }

        if (MaxTakeoverNotional < 0)
        {
            problems.Add("MaxTakeoverNotional must be >= 0");
        }

        return problems;
    }
}

/// <summary>
/// What the vault may still take for a market right now: loss at the mark (the smaller of the market's and the all-market
/// cap left) and notional. <see cref="None"/>: no vault stage.
/// </summary>
public sealed record VaultCapacity(string VaultId, string AccountId, Func<string, decimal> MarketLossLeftFor, decimal DailyLossLeft, decimal MaxTakeoverNotional)
{
    public static VaultCapacity? None => null;
}

public sealed record VaultLoss(string Market, DateTimeOffset At, decimal Loss);

/// <summary>The state of stream "vault-backstop-{vault}" in liquidation: losses inside the cap window, and the inbox of liquidation streams.</summary>
public sealed record VaultBackstopState
{
    public InboxPosition Inbox { get; init; } = InboxPosition.Empty;

    public ImmutableList<VaultLoss> Losses { get; init; } = [];

    public decimal TotalLoss { get; init; }

    public decimal TotalSize { get; init; }

    public VaultCapacity Capacity(VaultBackstopRules rules, DateTimeOffset now)
    {
        var inWindow = Losses.Where(l => l.At > now - rules.Window).ToList();
        var dailyLeft = Math.Max(0m, rules.DailyLossCap - inWindow.Sum(l => l.Loss));
        return new VaultCapacity(rules.VaultId, rules.AccountId,
            market => Math.Max(0m, rules.LossCapFor(market) - inWindow.Where(l => l.Market == market).Sum(l => l.Loss)), dailyLeft, rules.MaxTakeoverNotional);
    }
}

/// <summary>A takeover by the vault counted against its caps (from a liquidation stream's TransferredToVault, once).</summary>
[EventType("vault-backstop.loss-booked.v1")]
public sealed record VaultBackstopLossBooked(string VaultId, string AccountId, string LiquidationId, string Market, decimal Size, decimal Loss, DateTimeOffset At, MessageSource Source);

public static class VaultBackstop
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);

    public static IReadOnlyList<object> OnLiquidationEvent(VaultBackstopState state, object liquidationEvent, MessageSource source) =>
        liquidationEvent is TransferredToVault e && state.Inbox.ShouldApply(source.Stream, source.Sequence)
            ? [new VaultBackstopLossBooked(e.VaultId, e.AccountId, e.LiquidationId, e.Market, e.Size, e.LossTaken, e.At, source)]
            : [];

    public static VaultBackstopState Evolve(VaultBackstopState state, object @event) => @event switch
    {
        VaultBackstopLossBooked e => state with
        {
            Inbox = state.Inbox.RecordOnce(e.Source),
            Losses = state.Losses.RemoveAll(l => l.At < e.At - MaxWindow).Add(new VaultLoss(e.Market, e.At, e.Loss)),
            TotalLoss = state.TotalLoss + e.Loss,
            TotalSize = state.TotalSize + e.Size,
        },
        _ => throw new ArgumentException($"{@event.GetType().Name} is not a vault backstop event.", nameof(@event)),
    };
}

public static class VaultBackstopEventTypes
{
    public static IReadOnlyList<Type> All { get; } = [typeof(VaultBackstopLossBooked)];
}
