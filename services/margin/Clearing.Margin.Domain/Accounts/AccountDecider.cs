using System.Globalization;
using Clearing.Primitives.Markets;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// The account aggregate's rules (DESIGN.md §5): each Decide returns the events a command causes — money movements
/// with their balanced ledger lines, position changes, and a risk event for every band the result crosses — and
/// <see cref="Evolve"/> folds them without rules. Prices and time are inputs.
/// </summary>
public sealed class AccountDecider(RiskCalculator risk)
{
    public RiskCalculator Risk { get; } = risk;

    private MarginParameters Parameters => Risk.Parameters;

    public static Account Evolve(Account state, object @event)
    {
        if (state.Owner.Length == 0 && @event is IAccountEvent first)
        {
            // The repository starts every stream from an owner-less empty state; the first event names the owner.
            state = state with { Owner = AccountAddress.Parse(first.AccountId).Owner };
        }

        switch (@event)
        {
            case MessageApplied applied:
                return state with { Inbox = state.Inbox.Record(applied.SourceStream, applied.SourceSequence) };
            case LiquidationRecheckDeferred deferred:
                return state with { PendingRecheck = deferred };
            case LiquidationRechecked:
                return state with { PendingRecheck = null };
            case RiskEventRecorded recorded:
            {
                var address = AccountAddress.Parse(recorded.AccountId);
                return WithSub(state, state.Sub(address) with { Band = recorded.To, RiskSequence = recorded.Sequence });
            }
        }

        if (@event is PositionChanged changed)
        {
            var address = AccountAddress.Parse(changed.AccountId);
            var sub = state.Sub(address);
            sub = sub with
            {
                Positions = changed.After.Size == 0m && changed.After.IsolatedCollateral == 0m
                    ? sub.Positions.Remove(changed.Market)
                    : sub.Positions.SetItem(changed.Market, changed.After),
            };
            state = WithSub(state, sub);
        }

        if (@event is VaultTransferMirrored mirrored)
        {
            var address = AccountAddress.Parse(mirrored.AccountId);
            var sub = state.Sub(address);
            state = WithSub(state, sub with { Balances = sub.Balances.SetItem(mirrored.Asset, sub.BalanceOf(mirrored.Asset) + mirrored.Amount) });
        }

        if (@event is IMovesMoney money)
        {
            foreach (var line in money.LedgerLines)
            {
                foreach (var posting in line.Postings)
                {
                    var address = AccountAddress.Parse(posting.AccountId);
                    if (address.Owner != state.Owner)
                    {
                        continue;
                    }

                    var sub = state.Sub(address);
                    var balance = sub.BalanceOf(posting.Asset) + posting.Amount;
                    state = WithSub(state, sub with { Balances = sub.Balances.SetItem(posting.Asset, balance) });
                }
            }
        }

        var reference = @event switch
        {
            Deposited d => $"deposit:{d.Reference}",
            CollateralCredited c => $"credit:{c.Reference}",
            Withdrawn w => $"withdraw:{w.Reference}",
            SubAccountTransferred t => $"transfer:{t.Reference}",
            VaultDepositBooked v => $"vault-deposit:{v.Reference}",
            VaultPayoutBooked v => $"vault-payout:{v.Reference}",
            VaultTransferMirrored v => $"vault-mirror:{v.Kind}:{v.Reference}",
            _ => null,
        };
        return reference is null ? state : state with { References = state.References.Add(reference) };
    }

    public static Account Fold(Account state, IEnumerable<object> events) => events.Aggregate(state, Evolve);

    public IReadOnlyList<object> Decide(Account state, Deposit command, RiskPrices prices)
    {
        RequirePositive(command.Amount, "amount");
        RequireCollateral(command.Asset);
        RequireOwner(state, command.AccountId);
        if (state.References.Contains($"deposit:{command.Reference}"))
        {
            return [];
        }

        return WithRisk(state, [new Deposited(command.AccountId, command.Asset, command.Amount, command.Reference, command.At)], prices, "", 0, command.At, null);
    }

    public IReadOnlyList<object> Decide(Account state, Withdraw command, RiskPrices prices) => Decide(state, command, prices, WithdrawalPauses.None);

    /// <summary>A withdrawal, refused while the insurance fund pauses withdrawals of its asset (<paramref name="pauses"/>).</summary>
    public IReadOnlyList<object> Decide(Account state, Withdraw command, RiskPrices prices, WithdrawalPauses pauses)
    {
        ArgumentNullException.ThrowIfNull(pauses);
        RequirePositive(command.Amount, "amount");
        var address = RequireOwner(state, command.AccountId);
        if (state.References.Contains($"withdraw:{command.Reference}"))
        {
            return [];
        }

        if (pauses.Of(command.Asset) is { Paused: true } pause)
        {
            throw new WithdrawalsPausedException(pause, command.AccountId, command.Amount);
        }

        var sub = state.Sub(address);
        RequireFree(sub, command.AccountId, command.Asset, command.Amount);
        var probe = new Withdrawn(command.AccountId, command.Asset, command.Amount, command.Reference, command.At, 0m, 0m);
        var after = Risk.Evaluate(Evolve(state, probe), address.SubAccount, prices);
        RequireInitialMarginKept(after, $"withdrawal of {Format(command.Amount)} {command.Asset} from {command.AccountId}", state, address, command.Asset, prices);
        var withdrawn = probe with { EquityForNewRiskAfter = after.EquityForNewRisk, InitialRequirementAfter = after.InitialRequirement };
        return WithRisk(state, [withdrawn], prices, "", 0, command.At, null);
    }

    public IReadOnlyList<object> Decide(Account state, TransferBetweenSubAccounts command, RiskPrices prices)
    {
        RequirePositive(command.Amount, "amount");
        var from = RequireOwner(state, command.FromAccountId);
        var to = RequireOwner(state, command.ToAccountId);
        if (from.SubAccount == to.SubAccount)
        {
            throw new AccountRuleException($"transfer from {command.FromAccountId} to itself: name two different sub-accounts");
        }

        if (state.References.Contains($"transfer:{command.Reference}"))
        {
            return [];
        }

        RequireFree(state.Sub(from), command.FromAccountId, command.Asset, command.Amount);
        var transferred = new SubAccountTransferred(command.FromAccountId, command.ToAccountId, command.Asset, command.Amount, command.Reference, command.At);
        var after = Risk.Evaluate(Evolve(state, transferred), from.SubAccount, prices);
        RequireInitialMarginKept(after, $"transfer of {Format(command.Amount)} {command.Asset} from {command.FromAccountId}", state, from, command.Asset, prices);
        return WithRisk(state, [transferred], prices, "", 0, command.At, null);
    }

    /// <summary>
    /// LP collateral into a vault's trading account: refused (nothing moves) unless the LP has the amount free and keeps
    /// its initial margin afterwards, the same rule as a withdrawal. Not subject to withdrawal pauses: the money stays in
    /// the clearing system (the vault's account is margined like any other).
    /// </summary>
    public IReadOnlyList<object> Decide(Account state, DepositToVault command, RiskPrices prices)
    {
        RequirePositive(command.Amount, "amount");
        RequireCollateral(command.Asset);
        var address = RequireOwner(state, command.AccountId);
        var vault = AccountAddress.Parse(command.VaultAccountId);
        if (vault.Owner == address.Owner || SystemAccounts.IsSystem(command.VaultAccountId))
        {
            throw new AccountRuleException($"{command.VaultAccountId} cannot receive a vault deposit from {command.AccountId}: name another owner's vault trading account, e.g. \"vault-hlp\"");
        }

        if (state.References.Contains($"vault-deposit:{command.Reference}"))
        {
            return [];
        }

        RequireFree(state.Sub(address), command.AccountId, command.Asset, command.Amount);
        var probe = new VaultDepositBooked(command.AccountId, command.VaultAccountId, command.Asset, command.Amount, command.Reference, command.At, 0m, 0m);
        var after = Risk.Evaluate(Evolve(state, probe), address.SubAccount, prices);
        RequireInitialMarginKept(after, $"vault deposit of {Format(command.Amount)} {command.Asset} from {command.AccountId} to {command.VaultAccountId}", state, address, command.Asset, prices);
        var booked = probe with { EquityForNewRiskAfter = after.EquityForNewRisk, InitialRequirementAfter = after.InitialRequirement };
        return WithRisk(state, [booked], prices, "", 0, command.At, null);
    }

    /// <summary>A vault payout to an LP, booked on the vault account once per reference (the vault has burned the shares already).</summary>
    public IReadOnlyList<object> Decide(Account state, PayFromVault command, RiskPrices prices)
    {
        RequirePositive(command.Amount, "amount");
        var address = RequireOwner(state, command.VaultAccountId);
        var events = new List<object>();
        if (!state.References.Contains($"vault-payout:{command.Reference}"))
        {
            events.Add(new VaultPayoutBooked(address.AccountId, command.LpAccountId, command.Asset, command.Amount, command.Reference, command.Reason, command.At));
        }

        return WithRisk(state, events, prices, "", 0, command.At, command.Source);
    }

    /// <summary>The counterpart's half of a vault transfer (see <see cref="VaultTransferMirrored"/>).</summary>
    public IReadOnlyList<object> Decide(Account state, MirrorVaultTransfer command, RiskPrices prices)
    {
        RequireOwner(state, command.AccountId);
        var events = new List<object>();
        if (command.Amount != 0m && !state.References.Contains($"vault-mirror:{command.Kind}:{command.Reference}"))
        {
            events.Add(new VaultTransferMirrored(command.AccountId, command.Kind, command.Reference, command.Asset, command.Amount, command.Source.Sequence, command.At));
        }

        return WithRisk(state, events, prices, "", 0, command.At, command.Source);
    }

    public IReadOnlyList<object> Decide(Account state, BookFill command, RiskPrices prices)
    {
        var events = new List<object>();
        var current = state;
        foreach (var side in command.Sides)
        {
            var address = RequireOwner(state, side.AccountId);
            RequirePositive(side.Price, "fill price");
            if (side.Quantity == 0m)
            {
                throw new ArgumentException($"fill {side.FillId}: quantity must not be zero", nameof(command));
            }

            var market = Risk.Markets.Get(side.Market);
            var sub = current.Sub(address);
            var position = sub.Positions.TryGetValue(side.Market, out var held) ? held : new Position(side.Market, 0m, 0m, Isolated: side.Isolated);
            var feeAsset = string.IsNullOrEmpty(side.FeeAsset) ? market.QuoteAsset : side.FeeAsset;
            var changed = Trade(side.AccountId, position, market, side.Quantity, side.Price, side.Fee, feeAsset, PositionChange.Fill, side.FillId, command.At);
            if (changed.After.Isolated && side.IsolatedCollateral > 0m && Math.Abs(changed.After.Size) > Math.Abs(position.Size))
            {
                // Pin what the order asked for, as far as the cross balance has it free: matching has already traded,
                // so a shortfall here is margined (and liquidated) on the position's own collateral, not refused.
                var free = Math.Max(sub.FreeBalanceOf(market.QuoteAsset, market.QuoteAsset), 0m);
                var pinned = Math.Min(side.IsolatedCollateral, free);
                changed = changed with { After = changed.After with { IsolatedCollateral = changed.After.IsolatedCollateral + pinned } };
            }

            events.Add(changed);
            current = Evolve(current, changed);
        }

        var decided = WithRiskAfter(current, events, prices, "", 0, command.At, command.Source);
        if (state.PendingRecheck is { } pending && Fold(state, decided).Inbox is var booked && pending.WaitingFor.All(w => booked.LastAppliedFor(w.Key) >= w.Value))
        {
            // This fill completes the finished case's fills: the check it waited for runs now, before the inbox record.
            var inbox = decided[^1];
            decided.RemoveAt(decided.Count - 1);
            RecheckAfterCase(state, decided, pending.AccountId, prices, command.At);
            decided.Add(new LiquidationRechecked(pending.AccountId, pending.LiquidationId, command.At));
            decided.Add(inbox);
        }

        return decided;
    }

    public IReadOnlyList<object> Decide(Account state, ApplyFunding command, RiskPrices prices)
    {
        var market = Risk.Markets.Get(command.Market);
        var events = new List<object>();
        foreach (var sub in state.SubAccounts.Values)
        {
            if (!sub.Positions.TryGetValue(command.Market, out var position) || position.Size == 0m)
            {
                continue;
            }

            var accountId = state.AccountIdOf(sub.Number);
            var payment = FundingPayments.PaymentFor(position.Size, command.MarkPrice, command.Rate, Parameters.MoneyDecimals);
            if (payment == 0m)
            {
                continue;
            }

            var after = position with
            {
                Funding = position.Funding + payment,
                IsolatedCollateral = position.Isolated ? position.IsolatedCollateral + payment : position.IsolatedCollateral,
            };
            events.Add(new PositionChanged(accountId, command.Market, PositionChange.Funding, command.Reference, 0m, command.MarkPrice, after,
                [LedgerLine.Between(LedgerKind.Funding, command.Reference, command.Market, market.QuoteAsset, accountId, SystemAccounts.FundingDust, payment)],
                command.At));
        }

        return WithRisk(state, events, prices, "", 0, command.At, command.Source);
    }

    public IReadOnlyList<object> Decide(Account state, ChargeLiquidationFee command, RiskPrices prices)
    {
        var address = RequireOwner(state, command.AccountId);
        if (command.Fee <= 0m)
        {
            return [];
        }

        var market = Risk.Markets.Get(command.Market);
        var events = new List<object>
        {
            new MoneyMoved(command.AccountId, "liquidation-fee",
                [LedgerLine.Between(LedgerKind.LiquidationFee, command.Reference, command.Market, market.QuoteAsset, SystemAccounts.InsuranceFund, command.AccountId, command.Fee)],
                command.At),
        };
        if (state.Sub(address).Positions.TryGetValue(command.Market, out var position) && position.Isolated)
        {
            events.Insert(0, new PositionChanged(command.AccountId, command.Market, PositionChange.Fill, command.Reference, 0m, 0m,
                position with { IsolatedCollateral = position.IsolatedCollateral - command.Fee }, [], command.At));
        }

        return WithRisk(state, events, prices, "", 0, command.At, command.Source);
    }

    public IReadOnlyList<object> Decide(Account state, ClosePosition command, RiskPrices prices)
    {
        var address = RequireOwner(state, command.AccountId);
        RequirePositive(command.Price, "price");
        var market = Risk.Markets.Get(command.Market);
        var sub = state.Sub(address);
        var events = new List<object>();
        var current = state;
        if (sub.Positions.TryGetValue(command.Market, out var position) && position.Size != 0m)
        {
            // The event names a size; the position decides the direction (a long is sold, a short bought back), and
            // never more than is open.
            var quantity = -Math.Sign(position.Size) * Math.Min(Math.Abs(command.Quantity), Math.Abs(position.Size));
            var kind = command.Cause switch
            {
                PositionChange.Adl => LedgerKind.Adl,
                PositionChange.ExpirySettlement => LedgerKind.ExpirySettlement,
                PositionChange.VaultTakeover => LedgerKind.Vault,
                _ => LedgerKind.InsuranceTransfer,
            };
            var changed = Trade(command.AccountId, position, market, quantity, command.Price, 0m, market.QuoteAsset, command.Cause, command.Reference, command.At, kind);
            events.Add(changed);
            current = Evolve(current, changed);
        }

        if (command.CoverDeficit)
        {
            var after = current.Sub(address);
            var balance = after.BalanceOf(market.QuoteAsset);
            if (balance < 0m && after.Positions.Values.All(p => p.Size == 0m))
            {
                events.Add(new MoneyMoved(command.AccountId, "insurance-covers-deficit",
                    [LedgerLine.Between(LedgerKind.InsuranceTransfer, command.Reference, command.Market, market.QuoteAsset, command.AccountId, SystemAccounts.InsuranceFund, -balance)],
                    command.At));
            }
        }

        return WithRisk(state, events, prices, "", 0, command.At, command.Source);
    }

    public IReadOnlyList<object> Decide(Account state, TakeOverPosition command, RiskPrices prices)
    {
        var address = RequireOwner(state, command.AccountId);
        RequirePositive(command.Price, "price");
        if (command.Quantity == 0m)
        {
            return [];
        }

        var market = Risk.Markets.Get(command.Market);
        var sub = state.Sub(address);
        var position = sub.Positions.TryGetValue(command.Market, out var held) ? held : new Position(command.Market, 0m, 0m);
        var kind = command.Cause switch
        {
            PositionChange.Adl => LedgerKind.Adl,
            PositionChange.VaultTakeover => LedgerKind.Vault,
            _ => LedgerKind.InsuranceTransfer,
        };
        var changed = Trade(command.AccountId, position, market, command.Quantity, command.Price, 0m, market.QuoteAsset, command.Cause, command.Reference, command.At, kind);
        return WithRisk(state, [changed], prices, "", 0, command.At, command.Source);
    }

    public IReadOnlyList<object> Decide(Account state, SettleExpiry command, RiskPrices prices)
    {
        RequirePositive(command.SettlementPrice, "settlement price");
        var market = Risk.Markets.Get(command.Market);
        if (market.Kind == MarketKind.Perpetual)
        {
            throw new ArgumentException($"{command.Market} is a perpetual: it has no expiry to settle", nameof(command));
        }

        // Futures settle at the price; options are exercised automatically for their intrinsic value, and an
        // out-of-the-money option's value is 0: it expires worthless (its buyer's premium is the realized loss).
        var value = market.Kind == MarketKind.Future ? command.SettlementPrice
            : market.Right == OptionRight.Call ? Math.Max(command.SettlementPrice - market.Strike!.Value, 0m)
            : Math.Max(market.Strike!.Value - command.SettlementPrice, 0m);
        var events = new List<object>();
        foreach (var sub in state.SubAccounts.Values)
        {
            if (!sub.Positions.TryGetValue(command.Market, out var position) || position.Size == 0m)
            {
                continue;
            }

            var accountId = state.AccountIdOf(sub.Number);
            events.Add(Trade(accountId, position, market, -position.Size, value, 0m, market.QuoteAsset, PositionChange.ExpirySettlement, command.Reference, command.At,
                LedgerKind.ExpirySettlement, settlementPrice: value));
        }

        return WithRisk(state, events, prices, "", 0, command.At, command.Source);
    }

    public IReadOnlyList<object> Decide(Account state, CreditFeeShare command, RiskPrices prices)
    {
        RequireOwner(state, command.AccountId);
        // Only the two pools fees are collected into pay shares out; anything else would let a message move a trader's money.
        if (command.PaidFrom is not (SystemAccounts.FeePool or SystemAccounts.InsuranceFund))
        {
            throw new ArgumentException($"a fee share is paid out of {SystemAccounts.FeePool} or {SystemAccounts.InsuranceFund}, not '{command.PaidFrom}'", nameof(command));
        }

        if (command.PaidFrom == command.AccountId)
        {
            throw new ArgumentException($"{command.AccountId} cannot be paid a fee share out of itself", nameof(command));
        }

        if (command.Amount == 0m)
        {
            return [];
        }

        return WithRisk(state, [new MoneyMoved(command.AccountId, "fee-distribution",
            [LedgerLine.Between(LedgerKind.FeeDistribution, command.Reference, "", command.Asset, command.AccountId, command.PaidFrom, command.Amount)], command.At)],
            prices, "", 0, command.At, command.Source);
    }

    /// <summary>
    /// Liquidation finished a case (its last market completed). A band crossing since is reported as usual; an account
    /// still below maintenance with positions open is asked for again — LiquidationRequired (AccountBankrupt when equity is
    /// negative) alone, from its band to the same band — because no crossing would ever report it: the band did not
    /// change while liquidation worked. One request per finished case, so this re-arms without repeating on every tick.
    /// Not when the case ended with quantity nobody took (<see cref="LiquidationFinished.LeftUncovered"/>): the loss is
    /// recorded and withdrawals paused, and asking again at once would only rerun the same empty backstop; the next
    /// crossing (into bankruptcy) asks again. If the case's last slice fills are not booked yet (<see
    /// cref="LiquidationFinished.FillsThrough"/> beyond this account's inbox), the check waits for the fill that books them.
    /// </summary>
    public IReadOnlyList<object> Decide(Account state, LiquidationFinished command, RiskPrices prices)
    {
        RequireOwner(state, command.AccountId);
        var events = WithRisk(state, [], prices, "", 0, command.At, null);
        var waiting = (command.FillsThrough ?? new Dictionary<string, long>())
            .Where(f => (state.Inbox.LastAppliedFor(f.Key) ?? 0) < f.Value)
            .ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        if (!command.LeftUncovered && waiting.Count > 0)
        {
            events.Add(new LiquidationRecheckDeferred(command.AccountId, command.LiquidationId, waiting, command.At));
        }
        else if (!command.LeftUncovered)
        {
            RecheckAfterCase(state, events, command.AccountId, prices, command.At);
        }

        if (events.Count > 0)
        {
            events.Add(new MessageApplied(command.Source.Stream, command.Source.Sequence));
        }

        return events;
    }

    /// <summary>Asks again for an account a finished case left below maintenance with positions open (see LiquidationFinished).</summary>
    private void RecheckAfterCase(Account state, List<object> events, string accountId, RiskPrices prices, DateTimeOffset at)
    {
        var asked = events.OfType<RiskEventRecorded>().Any(r => r.AccountId == accountId && r.Kind is RiskEventKind.LiquidationRequired or RiskEventKind.Bankrupt);
        if (asked || SystemAccounts.IsSystem(state.Owner))
        {
            return;
        }

        var sub = Fold(state, events).Sub(AccountAddress.Parse(accountId));
        var snapshot = Risk.Evaluate(accountId, sub, prices);
        if (snapshot.Band is HealthBand.Liquidation or HealthBand.Bankrupt && sub.Positions.Values.Any(p => p.Size != 0m))
        {
            events.Add(Alert(snapshot, sub, sub.RiskSequence + 1, snapshot.Band == HealthBand.Bankrupt ? RiskEventKind.Bankrupt : RiskEventKind.LiquidationRequired, at));
        }
    }

    public IReadOnlyList<object> Decide(Account state, Revalue command, RiskPrices prices) =>
        WithRisk(state, [], prices, command.TriggerAsset, command.TriggerSequence, command.At, null);

    /// <summary>
    /// Books a trade of <paramref name="quantity"/> (signed) at <paramref name="price"/> into a position. Reducing
    /// releases the closed share of the cost (rounded up, so realized PnL rounds against the account and the
    /// remainder stays in the position: a full close releases the exact rest). Realized PnL is booked against
    /// system:settlement, a fee into system:fee-pool, a rebate out of it. An isolated position's pin absorbs its
    /// own PnL and fees and is released when it closes.
    /// </summary>
    private PositionChanged Trade(
        string accountId,
        Position position,
        MarketDefinition market,
        decimal quantity,
        decimal price,
        decimal fee,
        string feeAsset,
        PositionChange cause,
        string reference,
        DateTimeOffset at,
        LedgerKind realizedKind = LedgerKind.RealizedPnl,
        decimal? settlementPrice = null)
    {
        var size = position.Size;
        var cost = position.Cost;
        var realized = 0m;
        if (size == 0m || Math.Sign(size) == Math.Sign(quantity))
        {
            size += quantity;
            cost += quantity * price;
        }
        else
        {
            var closing = Math.Sign(quantity) * Math.Min(Math.Abs(quantity), Math.Abs(size));
            var released = Math.Abs(closing) == Math.Abs(size) ? cost : Risk.RoundUp(cost * Math.Abs(closing) / Math.Abs(size));
            if (Math.Sign(released) != Math.Sign(cost) && released != 0m)
            {
                released = cost;
            }

            realized = -closing * price - released;
            var opening = quantity - closing;
            size = size + closing + opening;
            cost = cost - released + opening * price;
            if (size == 0m)
            {
                cost = 0m;
            }
        }

        var lines = new List<LedgerLine>();
        if (realized != 0m)
        {
            lines.Add(LedgerLine.Between(realizedKind, reference, market.Symbol, market.QuoteAsset, accountId, SystemAccounts.Settlement, realized));
        }

        if (fee > 0m)
        {
            lines.Add(LedgerLine.Between(LedgerKind.TradingFee, reference, market.Symbol, feeAsset, SystemAccounts.FeePool, accountId, fee));
        }
        else if (fee < 0m)
        {
            lines.Add(LedgerLine.Between(LedgerKind.FeeRebate, reference, market.Symbol, feeAsset, accountId, SystemAccounts.FeePool, -fee));
        }

        var pin = position.IsolatedCollateral;
        if (position.Isolated)
        {
            pin += realized - (feeAsset == market.QuoteAsset ? fee : 0m);
            if (size == 0m)
            {
                pin = 0m;
            }
        }

        var after = position with
        {
            Size = size,
            Cost = cost,
            IsolatedCollateral = pin,
            RealizedPnl = position.RealizedPnl + realized,
            Fees = position.Fees + fee,
        };
        return new PositionChanged(accountId, market.Symbol, cause, reference, quantity, settlementPrice ?? price, after, lines, at);
    }

    /// <summary>Appends a risk event for every sub-account whose band the events (or new prices) move it across,
    /// then the inbox record when a message caused it.</summary>
    private List<object> WithRisk(Account state, List<object> events, RiskPrices prices, string triggerAsset, long triggerSequence, DateTimeOffset at, MessageSource? source) =>
        WithRiskAfter(Fold(state, events), events, prices, triggerAsset, triggerSequence, at, source);

    /// <summary><paramref name="after"/> is the state with <paramref name="events"/> folded in (a fill has already folded them).</summary>
    private List<object> WithRiskAfter(Account after, List<object> events, RiskPrices prices, string triggerAsset, long triggerSequence, DateTimeOffset at, MessageSource? source)
    {
        // System accounts (the insurance fund holding taken-over positions) are not margined: their cash lives in
        // the ledger's postings from every stream, and liquidating the fund itself would make no sense.
        foreach (var sub in SystemAccounts.IsSystem(after.Owner) ? [] : after.SubAccounts.Values)
        {
            if (Risk.BandOf(sub, prices) == sub.Band)
            {
                continue;
            }

            var snapshot = Risk.Evaluate(after.AccountIdOf(sub.Number), sub, prices, triggerAsset, triggerSequence);

            var sequence = sub.RiskSequence;
            RiskEventRecorded Recorded(RiskEventKind kind) => Alert(snapshot, sub, ++sequence, kind, at);
            events.Add(Recorded(RiskEventKind.HealthChanged));
            var alert = snapshot.Band switch
            {
                HealthBand.Warning => RiskEventKind.MarginCall,
                HealthBand.Liquidation => RiskEventKind.LiquidationRequired,
                HealthBand.Bankrupt => RiskEventKind.Bankrupt,
                _ => (RiskEventKind?)null,
            };
            if (alert is { } kind)
            {
                events.Add(Recorded(kind));
            }
        }

        if (source is not null && events.Count > 0)
        {
            events.Add(new MessageApplied(source.Stream, source.Sequence));
        }

        return events;
    }

    /// <summary>A risk event of <paramref name="kind"/> for <paramref name="sub"/>, from its stored band to the one now valued.</summary>
    private RiskEventRecorded Alert(AccountRiskSnapshot snapshot, SubAccount sub, long sequence, RiskEventKind kind, DateTimeOffset at) =>
        new(snapshot.AccountId, sequence, kind, sub.Band, snapshot.Band, snapshot, Parameters.WarningHealth, snapshot.Shortfall, snapshot.ToRestoreInitial,
            snapshot.Equity < 0m ? -snapshot.Equity : 0m, at);

    private void RequireInitialMarginKept(AccountRiskSnapshot after, string what, Account state, AccountAddress address, string asset, RiskPrices prices)
    {
        if (after.AvailableMargin >= 0m)
        {
            return;
        }

        var before = Risk.Evaluate(state, address.SubAccount, prices);
        var cross = after.EquityForNewRisk - after.AvailableMargin;
        throw new AccountRuleException(
            $"{what} refused: it would leave equity for new risk of {Format(after.EquityForNewRisk)} against an initial margin requirement of " +
            $"{Format(cross)} (short by {Format(-after.AvailableMargin)}); available margin now is {Format(Math.Max(before.AvailableMargin, 0m))} " +
            $"(collateral for new risk {Format(before.CollateralForNewRisk)}, stale-priced collateral counts 0; asset {asset})");
    }

    private void RequireFree(SubAccount sub, string accountId, string asset, decimal amount)
    {
        var quote = Risk.Markets.All.FirstOrDefault()?.QuoteAsset ?? "USDC";
        var free = sub.FreeBalanceOf(asset, quote);
        if (amount > free)
        {
            throw new AccountRuleException(
                $"{accountId} has {Format(Math.Max(free, 0m))} {asset} free (balance {Format(sub.BalanceOf(asset))}, the rest pinned to isolated positions); cannot move {Format(amount)}");
        }
    }

    private void RequireCollateral(string asset)
    {
        if (!Parameters.Collateral.ContainsKey(asset))
        {
            throw new AccountRuleException($"asset '{asset}' is not accepted as collateral; accepted: {string.Join(", ", Parameters.Collateral.Keys.Order(StringComparer.Ordinal))}");
        }
    }

    private static AccountAddress RequireOwner(Account state, string accountId)
    {
        var address = AccountAddress.Parse(accountId);
        if (address.Owner != state.Owner)
        {
            throw new ArgumentException($"account {accountId} does not belong to aggregate {state.Owner}", nameof(accountId));
        }

        return address;
    }

    private static void RequirePositive(decimal value, string name)
    {
        if (value <= 0m)
        {
            throw new AccountRuleException($"{name} must be greater than zero, got {Format(value)}");
        }
    }

    private static Account WithSub(Account state, SubAccount sub) => state with { SubAccounts = state.SubAccounts.SetItem(sub.Number, sub) };

    internal static string Format(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
