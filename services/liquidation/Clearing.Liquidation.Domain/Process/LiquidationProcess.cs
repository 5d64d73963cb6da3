using System.Collections.Immutable;
using System.Globalization;
using Clearing.Liquidation.Domain.Vault;

namespace Clearing.Liquidation.Domain.Process;

/// <summary>
/// The liquidation of one account, as pure decisions (DESIGN.md §5). Stage 1 closes in the book (cancel the account's
/// orders, then reduce-only IOC slices never worse than the bankruptcy price, with a cooldown between slices of a large
/// position); stage 2 hands what the book did not absorb to the insurance fund at the bankruptcy price, within the
/// market's payout cap; stage 3 deleverages opposing positions ranked by profit × leverage for what the fund could not
/// cover. Whatever is still left is recorded as uncovered loss. Time is an input: the risk event's time, the fill's
/// time, or the host's clock passed to <see cref="Advance"/>.
/// </summary>
public static class LiquidationProcess
{
    public const string FundAccountId = "system:insurance-fund";

    private const int ScoreDecimals = 8;

    /// <summary>Margin says the account is below maintenance (or bankrupt): start a liquidation, or refresh the running one.</summary>
    public static IReadOnlyList<object> OnRisk(LiquidationAccount state, RiskInput risk, LiquidationRules rules, Func<string, decimal> openInterestOf)
    {
        ArgumentNullException.ThrowIfNull(risk);
        if (risk.AccountId != state.AccountId)
        {
            throw new ArgumentException($"Risk event for '{risk.AccountId}' sent to the liquidation of '{state.AccountId}'.", nameof(risk));
        }

        if (risk.Kind is not (RiskKind.LiquidationRequired or RiskKind.Bankrupt))
        {
            return [];
        }

        var open = risk.Positions.Where(p => p.Size != 0).ToList();
        return state.Active is null ? Start(state, risk, open, rules, openInterestOf) : Refresh(state, state.Active, risk, open);
    }

    /// <summary>A fill of one of this account's liquidation orders.</summary>
    public static IReadOnlyList<object> OnSliceFill(LiquidationAccount state, SliceFillInput fill, LiquidationRules rules)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (state.Active is not { } active || !active.OrderMarkets.TryGetValue(fill.OrderId, out var market) || fill.Quantity <= 0)
        {
            return [];
        }

        var m = active.Markets[market];
        var rule = rules.For(market);
        var notional = fill.Quantity * fill.Price;
        // The fee comes out of what lies between the fill and the bankruptcy price: charging more would push the
        // account past bankruptcy and the fund would pay the fund's own fee.
        var room = m.Side == CloseSide.Sell ? (fill.Price - m.BankruptcyPrice) * fill.Quantity : (m.BankruptcyPrice - fill.Price) * fill.Quantity;
        var fee = Math.Round(Math.Max(0m, Math.Min(rule.LiquidationFeeRate * notional, room)), 8, MidpointRounding.ToZero);
        var remaining = m.Side == CloseSide.Sell ? m.Size - fill.Quantity : m.Size + fill.Quantity;
        var decision = new Decision(state);
        decision.Add(new SliceFilled(state.AccountId, active.Id, market, fill.OrderId, fill.FillId, m.Side, fill.Quantity, fill.Price, fee, remaining, fill.At, fill.Source));
        CompleteIfDone(decision, market, fill.At);
        return decision.Events;
    }

    /// <summary>Matching ended a liquidation order with quantity left (IOC remainder cancelled, or rejected).</summary>
    public static IReadOnlyList<object> OnSliceEnd(LiquidationAccount state, SliceEndInput end)
    {
        ArgumentNullException.ThrowIfNull(end);
        if (state.Active is not { } active || !active.OrderMarkets.TryGetValue(end.OrderId, out var market)
            || active.Markets[market].Slice is not { } slice || slice.OrderId != end.OrderId)
        {
            return [];
        }

        return [new SliceEnded(state.AccountId, active.Id, market, end.OrderId, slice.Unfilled, end.Reason, end.At, end.Source)];
    }

    /// <summary>
    /// The clock step: ends slices matching never answered, places the next slice once the cooldown has passed, and
    /// moves what the book did not absorb to the fund, then to ADL. <paramref name="candidatesFor"/> gives the
    /// opposing-side positions of a market (the positions projection).
    /// </summary>
    public static IReadOnlyList<object> Advance(
        LiquidationAccount state,
        DateTimeOffset now,
        LiquidationRules rules,
        FundCapacity fund,
        Func<string, IReadOnlyList<AdlCandidate>> candidatesFor,
        Func<string, decimal> openInterestOf) =>
        Advance(state, now, rules, VaultCapacity.None, fund, candidatesFor, openInterestOf);

    /// <summary>
    /// The clock step with the LP vault's backstop (issue 10): what the book did not absorb goes to the vault at the
    /// bankruptcy price within <paramref name="vault"/>'s loss caps, then to the fund, then to ADL. Null: no vault stage.
    /// </summary>
    public static IReadOnlyList<object> Advance(
        LiquidationAccount state,
        DateTimeOffset now,
        LiquidationRules rules,
        VaultCapacity? vault,
        FundCapacity fund,
        Func<string, IReadOnlyList<AdlCandidate>> candidatesFor,
        Func<string, decimal> openInterestOf)
    {
        if (state.Active is null)
        {
            return [];
        }

        var decision = new Decision(state);
        var balance = fund.Balance;
        var capUsed = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var dailyUsed = 0m;
        var vaultUsed = 0m;
        foreach (var market in state.Active.Markets.Keys)
        {
            var m = decision.State.Active!.Markets[market];
            if (m.Completed)
            {
                continue;
            }

            var rule = rules.For(market);
            if (m.Slice is { } slice && now >= slice.Deadline)
            {
                decision.Add(new SliceEnded(state.AccountId, state.Active.Id, market, slice.OrderId, slice.Unfilled, "no-answer-from-matching", now, null));
                m = decision.State.Active!.Markets[market];
            }

            if (m.Slice is not null || m.Remaining <= 0)
            {
                CompleteIfDone(decision, market, now);
                continue;
            }

            var attempts = decision.State.Active!.Bankrupt ? 1 : rule.BookAttemptsBeforeFund;
            if (m.BookMisses >= attempts)
            {
                if (vault is not null)
                {
                    vaultUsed += ToVault(decision, m, rule, now, vault, vaultUsed);
                    m = decision.State.Active!.Markets[market];
                }

                var limits = new PayoutLimits(
                    fund.RemainingCapFor(market) - capUsed.GetValueOrDefault(market),
                    fund.MaxPayoutPerEvent,
                    fund.DailyPayoutLeft is { } dailyLeft ? Math.Max(0m, dailyLeft - dailyUsed) : null);
                var paid = Backstop(decision, m, rule, now, ref balance, limits, candidatesFor(market));
                capUsed[market] = capUsed.GetValueOrDefault(market) + paid;
                dailyUsed += paid;
                CompleteIfDone(decision, market, now, backstopRan: true);
            }
            else if (now >= m.NextSliceNotBefore)
            {
                PlaceSlice(decision, m, rule, now, openInterestOf(market));
            }
        }

        return decision.Events;
    }

    public static LiquidationAccount Evolve(LiquidationAccount state, object @event) => @event switch
    {
        LiquidationStarted e => state with
        {
            Inbox = state.Inbox.RecordOnce(e.Source),
            Liquidations = state.Active is null ? state.Liquidations + 1 : state.Liquidations,
            Active = (state.Active ?? new ActiveLiquidation { Id = e.LiquidationId, StartedAt = e.At }) switch
            {
                var a => a with
                {
                    Bankrupt = a.Bankrupt || e.Bankrupt,
                    Equity = e.Equity,
                    Markets = a.Markets.SetItem(e.Market, new MarketLiquidation
                    {
                        Market = e.Market,
                        Size = e.PositionSize,
                        EntryPrice = e.EntryPrice,
                        MarkPrice = e.MarkPrice,
                        BankruptcyPrice = e.BankruptcyPrice,
                        Target = e.Target,
                        SliceCap = e.SliceCap,
                        Side = e.PositionSize > 0 ? CloseSide.Sell : CloseSide.Buy,
                        NextSliceNotBefore = e.At,
                    }),
                },
            },
        },
        LiquidationRiskRefreshed e => state with
        {
            Inbox = state.Inbox.RecordOnce(e.Source),
            Active = state.Active! with
            {
                Bankrupt = state.Active.Bankrupt || e.Bankrupt,
                Equity = e.Equity,
                Markets = e.Markets.Aggregate(state.Active.Markets, (markets, r) => markets.SetItem(r.Market, markets[r.Market] with
                {
                    MarkPrice = r.MarkPrice,
                    BankruptcyPrice = r.BankruptcyPrice,
                    Target = r.Target,
                })),
            },
        },
        OpenOrdersCancelled => state,
        SlicePlaced e => WithMarket(state, e.Market, m => m with
        {
            Slice = new OpenSlice(e.OrderId, e.Side, e.Quantity, e.LimitPrice, 0m, e.At, e.Deadline),
            Slices = m.Slices + 1,
            NextSliceNotBefore = e.NextSliceNotBefore,
        }) switch
        {
            var s => s with { Active = s.Active! with { OrderMarkets = s.Active.OrderMarkets.SetItem(e.OrderId, e.Market) } },
        },
        SliceFilled e => WithMarket(state with { Inbox = state.Inbox.RecordOnce(e.Source) }, e.Market, m => m with
        {
            Size = e.RemainingPosition,
            ClosedInBook = m.ClosedInBook + e.Quantity,
            Fees = m.Fees + e.LiquidationFee,
            LastFill = e.Source ?? m.LastFill,
            Slice = m.Slice is { } s && s.OrderId == e.OrderId
                ? (s.Filled + e.Quantity >= s.Quantity ? null : s with { Filled = s.Filled + e.Quantity })
                : m.Slice,
        }),
        SliceEnded e => WithMarket(state with { Inbox = state.Inbox.RecordOnce(e.Source) }, e.Market, m => m with
        {
            Slice = null,
            BookMisses = e.Unfilled > 0 ? m.BookMisses + 1 : m.BookMisses,
        }),
        TransferredToFund e => WithMarket(state, e.Market, m => m with
        {
            Size = Shrink(m.Size, e.Size),
            TakenByFund = m.TakenByFund + e.Size,
        }),
        TransferredToVault e => WithMarket(state, e.Market, m => m with
        {
            Size = Shrink(m.Size, e.Size),
            TakenByVault = m.TakenByVault + e.Size,
        }),
        AdlExecuted e => WithMarket(state, e.Market, m => m with
        {
            Size = Shrink(m.Size, e.Size),
            Deleveraged = m.Deleveraged + e.Size,
        }),
        LiquidationCompleted e => e.Last
            ? state with { Active = null }
            : WithMarket(state, e.Market, m => m with { Completed = true, UncoveredSize = e.UncoveredSize, UncoveredLoss = e.UncoveredLoss }),
        _ => throw new ArgumentException($"{@event.GetType().Name} is not a liquidation event.", nameof(@event)),
    };

    private static IReadOnlyList<object> Start(LiquidationAccount state, RiskInput risk, List<PositionRiskInput> open, LiquidationRules rules, Func<string, decimal> openInterestOf)
    {
        if (open.Count == 0)
        {
            return [];
        }

        var id = string.Create(CultureInfo.InvariantCulture, $"{state.AccountId}:{state.Liquidations + 1}");
        var full = risk.IsBankrupt || risk.Health is { } h && h < open.Select(p => rules.For(p.Market).FullLiquidationHealth).Min();
        var fraction = full ? 1m : RestoreFraction(risk, open, rules);
        var reason = full
            ? (risk.IsBankrupt
                ? $"bankrupt: equity {Text(risk.Equity)} below zero; closing everything"
                : $"health {Text(risk.Health ?? 0m)} below the full-liquidation threshold; closing everything")
            : $"equity {Text(risk.Equity)} below maintenance {Text(risk.MaintenanceRequirement)}; closing {Text(fraction * 100m)}% to restore initial margin (short by {Text(risk.ToRestoreInitial)})";
        var decision = new Decision(state);
        var first = true;
        foreach (var p in open.OrderBy(p => p.Market, StringComparer.Ordinal))
        {
            var rule = rules.For(p.Market);
            var size = Math.Abs(p.Size);
            var target = Math.Min(size, Math.Max(rule.LotSize, rule.Lots(size * fraction, up: true)));
            var sliceCap = size * p.MarkPrice > rule.LargePositionNotional
                ? Math.Max(rule.LotSize, rule.Lots(size * rule.SliceFraction, up: true))
                : target;
            decision.Add(new LiquidationStarted(
                state.AccountId, id, p.Market, risk.At, p.Size, p.EntryPrice, p.MarkPrice, p.BankruptcyPrice, risk.Equity,
                p.MaintenanceRequirement, target, sliceCap, risk.IsBankrupt, reason, first ? risk.Source : null));
            first = false;
        }

        foreach (var p in open.OrderBy(p => p.Market, StringComparer.Ordinal))
        {
            decision.Add(new OpenOrdersCancelled(state.AccountId, id, p.Market, $"liquidation:{id}:{p.Market}:cancel-all", risk.At));
        }

        foreach (var p in open.OrderBy(p => p.Market, StringComparer.Ordinal))
        {
            PlaceSlice(decision, decision.State.Active!.Markets[p.Market], rules.For(p.Market), risk.At, openInterestOf(p.Market));
        }

        return decision.Events;
    }

    private static IReadOnlyList<object> Refresh(LiquidationAccount state, ActiveLiquidation active, RiskInput risk, List<PositionRiskInput> open)
    {
        var escalate = risk.IsBankrupt && !active.Bankrupt;
        var refreshes = new List<MarketRefresh>();
        foreach (var p in open)
        {
            if (!active.Markets.TryGetValue(p.Market, out var m) || m.Completed)
            {
                continue;
            }

            // Margin's size may lag liquidation's own fills, so only prices are taken from it; a bankrupt account is
            // closed in full from here on.
            var target = escalate ? m.Target - m.Remaining + Math.Abs(m.Size) : m.Target;
            refreshes.Add(new MarketRefresh(p.Market, p.MarkPrice, p.BankruptcyPrice, target));
        }

        return [new LiquidationRiskRefreshed(state.AccountId, active.Id, risk.At, risk.Equity, risk.IsBankrupt, refreshes, risk.Source)];
    }

    /// <summary>
    /// The share of every position to close so the account is back at initial margin: closing a share f of every position
    /// removes about f of the initial requirement, so f = shortfall to initial / initial requirement, plus a buffer.
    /// </summary>
    private static decimal RestoreFraction(RiskInput risk, List<PositionRiskInput> open, LiquidationRules rules)
    {
        if (risk.InitialRequirement <= 0 || risk.ToRestoreInitial <= 0)
        {
            return 1m;
        }

        var buffer = open.Select(p => rules.For(p.Market).RestoreBuffer).Max();
        return Math.Min(1m, risk.ToRestoreInitial / risk.InitialRequirement * (1m + buffer));
    }

    private static void PlaceSlice(Decision decision, MarketLiquidation m, MarketRules rule, DateTimeOffset now, decimal openInterest)
    {
        var quantity = Math.Min(m.Remaining, m.SliceCap);
        if (openInterest > 0)
        {
            // One slice never takes more than its share of the market's open interest (at least one lot, or nothing moves).
            quantity = Math.Min(quantity, Math.Max(rule.LotSize, rule.Lots(openInterest * rule.MaxSliceShareOfOpenInterest, up: false)));
        }

        if (quantity <= 0)
        {
            return;
        }

        var active = decision.State.Active!;
        var price = LimitPrice(m, rule);
        var orderId = string.Create(CultureInfo.InvariantCulture, $"liq-{active.Id.Split(':')[^1]}-{m.Market}-{m.Slices + 1}");
        var cooldown = quantity < m.Remaining ? rule.SliceCooldown : TimeSpan.Zero;
        decision.Add(new SlicePlaced(
            decision.State.AccountId, active.Id, m.Market, orderId, $"liquidation:{decision.State.AccountId}:{orderId}", m.Side, quantity, price,
            m.MarkPrice, m.BankruptcyPrice, now, now + rule.SliceResponseTimeout, now + cooldown));
    }

    /// <summary>
    /// A price between the mark and the bankruptcy price (dYdX's "fillable price"): it reaches at most MaxSlippage past
    /// the mark for liquidity and never past the bankruptcy price, rounded on the tick grid away from it.
    /// </summary>
    internal static decimal LimitPrice(MarketLiquidation m, MarketRules rule)
    {
        if (m.Side == CloseSide.Sell)
        {
            var reach = m.MarkPrice * (1m - rule.MaxSlippage);
            var bound = m.BankruptcyPrice > 0 ? Math.Max(m.BankruptcyPrice, reach) : reach;
            return Math.Max(rule.TickSize, rule.Ticks(bound, up: true));
        }

        var buyReach = m.MarkPrice * (1m + rule.MaxSlippage);
        var buyBound = m.BankruptcyPrice > 0 ? Math.Min(m.BankruptcyPrice, buyReach) : buyReach;
        return Math.Max(rule.TickSize, rule.Ticks(buyBound, up: false));
    }

    /// <summary>
    /// Stage 2a: the vault takes what the book did not absorb at the bankruptcy price, as far as the loss at the mark fits
    /// in what its market cap and its all-market cap still allow (less what this step already gave it) and the takeover's
    /// notional stays within its limit. Returns the loss it took.
    /// </summary>
    private static decimal ToVault(Decision decision, MarketLiquidation m, MarketRules rule, DateTimeOffset now, VaultCapacity vault, decimal usedThisStep)
    {
        var quantity = m.Remaining;
        if (quantity <= 0 || m.MarkPrice <= 0)
        {
            return 0m;
        }

        var lossPerUnit = Math.Max(0m, m.Side == CloseSide.Sell ? m.BankruptcyPrice - m.MarkPrice : m.MarkPrice - m.BankruptcyPrice);
        var marketLeft = Math.Max(0m, vault.MarketLossLeftFor(m.Market) - usedThisStep);
        var dailyLeft = Math.Max(0m, vault.DailyLossLeft - usedThisStep);
        var lossLeft = Math.Min(marketLeft, dailyLeft);
        var bySize = rule.Lots(vault.MaxTakeoverNotional / m.MarkPrice, up: false);
        var byLoss = lossPerUnit == 0 ? quantity : rule.Lots(lossLeft / lossPerUnit, up: false);
        var take = Math.Min(quantity, Math.Min(bySize, byLoss));
        if (take <= 0)
        {
            return 0m;
        }

        var loss = take * lossPerUnit;
        var why = lossPerUnit == 0
            ? $"the book did not absorb it; the account still had equity at the mark, so the vault takes it at no loss (takeover notional limit {Text(vault.MaxTakeoverNotional)})"
            : $"the book did not absorb it; the vault takes {Text(take)} of {Text(quantity)} with a loss of {Text(loss)} at the mark " +
              $"(vault loss left for {m.Market}: {Text(marketLeft)}, for all markets today: {Text(dailyLeft)}); the rest goes to the insurance fund";
        decision.Add(new TransferredToVault(decision.State.AccountId, decision.State.Active!.Id, m.Market, vault.VaultId, vault.AccountId, m.Side, take,
            m.BankruptcyPrice, m.MarkPrice, loss, marketLeft - loss, dailyLeft - loss, why, now));
        return loss;
    }

    /// <summary>
    /// What the fund may pay for one takeover: the market's cap left, the per-event cap and what the per-day cap leaves
    /// for all markets (null: no such cap).
    /// </summary>
    private sealed record PayoutLimits(decimal MarketCapLeft, decimal? PerEvent, decimal? DayLeft)
    {
        public decimal Allowed => Math.Min(MarketCapLeft, Math.Min(PerEvent ?? decimal.MaxValue, DayLeft ?? decimal.MaxValue));

        public string Describe(string market, decimal paid)
        {
            var text = $"payout cap left for {market}: {Text(Math.Max(0m, MarketCapLeft - paid))}";
            if (PerEvent is { } perEvent)
            {
                text += $", per-event cap {Text(perEvent)}";
            }

            if (DayLeft is { } dayLeft)
            {
                text += $", per-day cap left for all markets: {Text(Math.Max(0m, dayLeft - paid))}";
            }

            return text;
        }
    }

    /// <summary>
    /// Stages 2 and 3 for what the book did not absorb; returns what the fund paid out (counted against the market's cap
    /// and the per-day cap). The fund pays within every cap; the rest goes to ADL, whose events name the caps that bound.
    /// </summary>
    private static decimal Backstop(Decision decision, MarketLiquidation m, MarketRules rule, DateTimeOffset now, ref decimal balance, PayoutLimits limits, IReadOnlyList<AdlCandidate> candidates)
    {
        var account = decision.State.AccountId;
        var id = decision.State.Active!.Id;
        var quantity = m.Remaining;
        // What taking one unit at the bankruptcy price is worth marked at the mark: negative when the account is bankrupt.
        var valuePerUnit = m.Side == CloseSide.Sell ? m.MarkPrice - m.BankruptcyPrice : m.BankruptcyPrice - m.MarkPrice;
        var lossPerUnit = Math.Max(0m, -valuePerUnit);
        var available = Math.Max(0m, Math.Min(balance, limits.Allowed));
        var fundQuantity = lossPerUnit == 0 ? quantity : Math.Min(quantity, rule.Lots(available / lossPerUnit, up: false));
        var paid = 0m;
        if (fundQuantity > 0)
        {
            var change = fundQuantity * valuePerUnit;
            balance += change;
            paid = Math.Max(0m, -change);
            var why = lossPerUnit == 0
                ? "the book did not absorb it; the account still had equity at the mark, so the fund gains the difference"
                : $"the book did not absorb it; the fund covers {Text(paid)} of loss ({limits.Describe(m.Market, 0m)})";
            decision.Add(new TransferredToFund(account, id, m.Market, FundAccountId, m.Side, fundQuantity, m.BankruptcyPrice, m.MarkPrice, change, paid, balance, why, now));
        }

        var rest = quantity - fundQuantity;
        if (rest <= 0)
        {
            return paid;
        }

        var shortOf = lossPerUnit * rest;
        var ranked = Rank(candidates, account, m);
        for (var i = 0; i < ranked.Count && rest > 0; i++)
        {
            var c = ranked[i];
            var take = Math.Min(Math.Abs(c.Candidate.Size), rest);
            rest -= take;
            var reason =
                $"insurance fund could not cover {Text(shortOf)} of loss on {Text(quantity - fundQuantity)} {m.Market} at bankruptcy price {Text(m.BankruptcyPrice)} " +
                $"(fund balance {Text(Math.Max(0m, balance))}, {limits.Describe(m.Market, paid)}); {c.Candidate.AccountId} ranked #{i + 1} of {ranked.Count} " +
                $"opposing positions by profit × leverage = {Text(c.Profit)} × {Text(c.Leverage)} = {Text(c.Score)}";
            decision.Add(new AdlExecuted(account, id, m.Market, c.Candidate.AccountId, m.Side, take, m.BankruptcyPrice, m.MarkPrice, c.Candidate.Size,
                i + 1, c.Profit, c.Leverage, c.Score, take * lossPerUnit, reason, now));
        }

        return paid;
    }

    private sealed record RankedCandidate(AdlCandidate Candidate, decimal Profit, decimal Leverage, decimal Score);

    /// <summary>
    /// Opposing positions ranked by profit × leverage (Hyperliquid ranks by unrealized profit and leverage; dYdX's random
    /// pick was criticized): the most profitable, most leveraged positions give back first. Ties go by account id so a
    /// replay picks the same accounts.
    /// </summary>
    private static List<RankedCandidate> Rank(IReadOnlyList<AdlCandidate> candidates, string bankrupt, MarketLiquidation m)
    {
        var opposing = m.Side == CloseSide.Sell ? 1m : -1m; // a bankrupt long needs shorts, and the other way round
        return candidates
            .Where(c => c.AccountId != bankrupt && c.AccountId != FundAccountId && Math.Sign(c.Size) == -Math.Sign(opposing))
            .Select(c =>
            {
                var profit = (m.MarkPrice - c.EntryPrice) * c.Size;
                var leverage = c.Equity switch
                {
                    null => 1m,
                    <= 0 => 0m,
                    { } equity => Math.Round(Math.Abs(c.Size) * m.MarkPrice / equity, ScoreDecimals),
                };
                return new RankedCandidate(c, profit, leverage, Math.Round(profit * leverage, ScoreDecimals));
            })
            .OrderByDescending(r => r.Score)
            .ThenBy(r => r.Candidate.AccountId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Ends a market's part once nothing is left to close, or, after the backstop ran (<paramref name="backstopRan"/>),
    /// with whatever is left recorded as uncovered: nothing else would close it.
    /// </summary>
    private static void CompleteIfDone(Decision decision, string market, DateTimeOffset now, bool backstopRan = false)
    {
        var active = decision.State.Active!;
        var m = active.Markets[market];
        if (m.Completed || m.Slice is not null || (m.Remaining > 0 && !backstopRan))
        {
            return;
        }

        var uncoveredSize = Math.Max(0m, m.Remaining);
        var lossPerUnit = Math.Max(0m, m.Side == CloseSide.Sell ? m.BankruptcyPrice - m.MarkPrice : m.MarkPrice - m.BankruptcyPrice);
        var last = active.Markets.Values.All(x => x.Market == market || x.Completed);
        // The case's end says how far into each book its fills go, so margin judges the account after the case only
        // once it has booked them: the fills travel on matching's topic, this on liquidation's, in no common order.
        var fillsThrough = last
            ? active.Markets.Values.Select(x => x.LastFill).OfType<MessageSource>().ToImmutableSortedDictionary(x => x.Stream, x => x.Sequence, StringComparer.Ordinal)
            : null;
        decision.Add(new LiquidationCompleted(decision.State.AccountId, active.Id, market, m.ClosedInBook, m.TakenByFund, m.Deleveraged,
            uncoveredSize, uncoveredSize * lossPerUnit, m.Fees, last, now, m.TakenByVault, fillsThrough));
    }

    private static LiquidationAccount WithMarket(LiquidationAccount state, string market, Func<MarketLiquidation, MarketLiquidation> change) =>
        state with { Active = state.Active! with { Markets = state.Active.Markets.SetItem(market, change(state.Active.Markets[market])) } };

    private static decimal Shrink(decimal size, decimal quantity) => size > 0 ? size - quantity : size + quantity;

    private static string Text(decimal value) => value.ToString("0.########", CultureInfo.InvariantCulture);

    /// <summary>Events decided so far and the state they lead to, so later decisions in one step see earlier ones.</summary>
    private sealed class Decision(LiquidationAccount state)
    {
        private readonly List<object> _events = [];

        public LiquidationAccount State { get; private set; } = state;

        public IReadOnlyList<object> Events => _events;

        public void Add(object @event)
        {
            _events.Add(@event);
            State = Evolve(State, @event);
        }
    }
}
