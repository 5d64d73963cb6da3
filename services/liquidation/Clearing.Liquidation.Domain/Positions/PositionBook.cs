using System.Collections.Immutable;
using Clearing.Liquidation.Domain.Process;
using Clearing.Primitives.Inbox;

namespace Clearing.Liquidation.Domain.Positions;

public sealed record BookPosition(decimal Size, decimal EntryPrice);

/// <summary>The state of stream "positions-{market}".</summary>
public sealed record PositionBookState
{
    public required string Market { get; init; }

    public InboxPosition Inbox { get; init; } = InboxPosition.Empty;

    public ImmutableSortedDictionary<string, BookPosition> Positions { get; init; } = ImmutableSortedDictionary.Create<string, BookPosition>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, decimal> Equity { get; init; } = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal);

    /// <summary>Sum of long sizes (= sum of short sizes, fund included).</summary>
    public decimal OpenInterest { get; init; }

    public bool Capped { get; init; }

    public decimal LastPrice { get; init; }

    public static PositionBookState Empty(string market) => new() { Market = market };

    /// <summary>Opposing positions of other trading accounts (system accounts are never deleveraged).</summary>
    public IReadOnlyList<AdlCandidate> Candidates() =>
        Positions
            .Where(p => p.Value.Size != 0 && !p.Key.StartsWith("system:", StringComparison.Ordinal))
            .Select(p => new AdlCandidate(p.Key, p.Value.Size, p.Value.EntryPrice, Equity.TryGetValue(p.Key, out var e) ? e : null))
            .ToList();
}

/// <summary>
/// Liquidation's projection of positions per market, from matching's fills (every trade, so profitable accounts that
/// margin never reports are known too), from liquidation's own fund takeovers and ADL, and from the equity margin
/// reports in its risk events. Margin's AccountRisk.positions alone would not do: margin only emits a risk event when an
/// account crosses a health band, so the healthy, profitable accounts ADL must rank would be missing.
/// </summary>
public static class PositionBook
{
    public static IReadOnlyList<object> OnFill(PositionBookState state, string fillId, string taker, string maker, bool takerBuys, decimal quantity, decimal price, MarketRules rules, DateTimeOffset at, MessageSource source)
    {
        if (!state.Inbox.ShouldApply(source.Stream, source.Sequence) || quantity <= 0)
        {
            return [];
        }

        return WithCapCheck(state, new PositionFillApplied(state.Market, fillId, taker, maker, takerBuys, quantity, price, source), rules, at);
    }

    /// <summary>A fund takeover or an ADL from the liquidation stream; other liquidation events change no position here.</summary>
    public static IReadOnlyList<object> OnLiquidationEvent(PositionBookState state, object liquidationEvent, MarketRules rules, MessageSource source)
    {
        if (!state.Inbox.ShouldApply(source.Stream, source.Sequence))
        {
            return [];
        }

        return liquidationEvent switch
        {
            TransferredToFund e when e.Market == state.Market => WithCapCheck(state,
                new PositionTransferApplied(state.Market, e.AccountId, e.FundAccountId, e.Side == CloseSide.Sell, e.Size, e.BankruptcyPrice, "insurance fund takeover " + e.LiquidationId, source), rules, e.At),
            TransferredToVault e when e.Market == state.Market => WithCapCheck(state,
                new PositionTransferApplied(state.Market, e.AccountId, e.VaultAccountId, e.Side == CloseSide.Sell, e.Size, e.BankruptcyPrice, "vault backstop takeover " + e.LiquidationId, source), rules, e.At),
            AdlExecuted e when e.Market == state.Market => WithCapCheck(state,
                new PositionTransferApplied(state.Market, e.AccountId, e.CounterpartyAccountId, e.Side == CloseSide.Sell, e.Size, e.Price, "auto-deleverage " + e.LiquidationId, source), rules, e.At),
            _ => [],
        };
    }

    public static IReadOnlyList<object> OnEquity(PositionBookState state, string accountId, decimal equity, MessageSource source) =>
        state.Inbox.ShouldApply(source.Stream, source.Sequence) && state.Positions.ContainsKey(accountId)
            ? [new AccountEquityObserved(state.Market, accountId, equity, source)]
            : [];

    public static PositionBookState Evolve(PositionBookState state, object @event) => @event switch
    {
        PositionFillApplied e => Trade(Trade(state, e.TakerAccountId, e.TakerBuys ? e.Quantity : -e.Quantity, e.Price), e.MakerAccountId, e.TakerBuys ? -e.Quantity : e.Quantity, e.Price) with
        {
            LastPrice = e.Price,
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        PositionTransferApplied e => Trade(Trade(state, e.FromAccountId, e.FromSells ? -e.Quantity : e.Quantity, e.Price), e.ToAccountId, e.FromSells ? e.Quantity : -e.Quantity, e.Price) with
        {
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        AccountEquityObserved e => state with { Equity = state.Equity.SetItem(e.AccountId, e.Equity), Inbox = state.Inbox.RecordOnce(e.Source) },
        OpenInterestCapChanged e => state with { Capped = e.Capped },
        _ => throw new ArgumentException($"{@event.GetType().Name} is not a positions event.", nameof(@event)),
    };

    private static IReadOnlyList<object> WithCapCheck(PositionBookState state, object change, MarketRules rules, DateTimeOffset at)
    {
        if (rules.OpenInterestCap <= 0)
        {
            return [change];
        }

        // Only the open interest after the change matters here (a trade never changes Capped): computed from the two
        // accounts' sizes, without building the new book, which the caller's fold builds anyway.
        var openInterest = change switch
        {
            PositionFillApplied e => OpenInterestAfter(state, e.TakerAccountId, e.TakerBuys ? e.Quantity : -e.Quantity, e.MakerAccountId, e.TakerBuys ? -e.Quantity : e.Quantity),
            PositionTransferApplied e => OpenInterestAfter(state, e.FromAccountId, e.FromSells ? -e.Quantity : e.Quantity, e.ToAccountId, e.FromSells ? e.Quantity : -e.Quantity),
            _ => Evolve(state, change).OpenInterest,
        };
        if (!state.Capped && openInterest > rules.OpenInterestCap)
        {
            return [change, new OpenInterestCapChanged(state.Market, openInterest, rules.OpenInterestCap, true, at)];
        }

        if (state.Capped && openInterest <= rules.OpenInterestCap * rules.OpenInterestResumeShare)
        {
            return [change, new OpenInterestCapChanged(state.Market, openInterest, rules.OpenInterestCap, false, at)];
        }

        return [change];
    }

    /// <summary>The open interest <see cref="Evolve"/> leaves after trading <paramref name="first"/> then <paramref name="second"/> (the same account twice included).</summary>
    internal static decimal OpenInterestAfter(PositionBookState state, string first, decimal firstQuantity, string second, decimal secondQuantity)
    {
        var firstBefore = state.Positions.TryGetValue(first, out var a) ? a.Size : 0m;
        var firstAfter = firstBefore + firstQuantity;
        var openInterest = state.OpenInterest - Math.Max(0m, firstBefore) + Math.Max(0m, firstAfter);
        var secondBefore = string.Equals(first, second, StringComparison.Ordinal) ? firstAfter : state.Positions.TryGetValue(second, out var b) ? b.Size : 0m;
        return openInterest - Math.Max(0m, secondBefore) + Math.Max(0m, secondBefore + secondQuantity);
    }

    /// <summary>Adds a signed quantity to an account's position: adding keeps a weighted entry, reducing keeps it, flipping starts at the price.</summary>
    private static PositionBookState Trade(PositionBookState state, string account, decimal signedQuantity, decimal price)
    {
        var before = state.Positions.TryGetValue(account, out var p) ? p : new BookPosition(0m, 0m);
        var size = before.Size + signedQuantity;
        decimal entry;
        if (before.Size == 0 || Math.Sign(before.Size) == Math.Sign(signedQuantity))
        {
            entry = size == 0 ? 0m : ((before.Size * before.EntryPrice) + (signedQuantity * price)) / size;
        }
        else if (size != 0 && Math.Sign(size) != Math.Sign(before.Size))
        {
            entry = price;
        }
        else
        {
            entry = before.EntryPrice;
        }

        var openInterest = state.OpenInterest - Math.Max(0m, before.Size) + Math.Max(0m, size);
        return state with
        {
            Positions = size == 0 ? state.Positions.Remove(account) : state.Positions.SetItem(account, new BookPosition(size, Math.Round(entry, 12))),
            Equity = size == 0 ? state.Equity.Remove(account) : state.Equity,
            OpenInterest = openInterest,
        };
    }

}
