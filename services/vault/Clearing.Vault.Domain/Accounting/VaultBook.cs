using System.Collections.Immutable;
using System.Globalization;

namespace Clearing.Vault.Domain.Accounting;

/// <summary>A command the vault refuses, with the reason (bad input or a rule).</summary>
public sealed class VaultRefusedException(string message) : Exception(message);

/// <summary>A fill of one of the vault's orders, as the vault books it.</summary>
public sealed record VaultFillInput(string Market, string FillId, string OrderId, VaultSide Side, decimal Quantity, decimal Price, decimal Fee, DateTimeOffset At, MessageSource Source);

/// <summary>
/// A FEE_DISTRIBUTION entry of margin's ledger crediting the vault's account: <see cref="Amount"/> of <see cref="Asset"/>
/// moved from <see cref="From"/> (the fee pool: trading fees; the insurance fund: liquidation fees) into it.
/// </summary>
public sealed record FeeIncomeInput(FeeKind Kind, string From, string Asset, decimal Amount, string Reference, long LedgerSequence, DateTimeOffset At, MessageSource Source);

/// <summary>
/// A FUNDING entry of margin's ledger with a posting on the vault's account: <see cref="Amount"/> of <see cref="Asset"/>,
/// signed as the ledger signs it (positive: the vault received funding), against <see cref="Counterparty"/>
/// (system:funding-dust). <see cref="Market"/> is empty when the entry names none.
/// </summary>
public sealed record FundingInput(string Market, string Counterparty, string Asset, decimal Amount, string Reference, string EntryId, long LedgerSequence, DateTimeOffset At, MessageSource Source);

/// <summary>A LIQUIDATION_FEE entry of margin's ledger debiting the vault's account: <see cref="Amount"/> (positive) paid to <see cref="PaidTo"/>.</summary>
public sealed record LiquidationFeeInput(string Market, string PaidTo, string Asset, decimal Amount, string Reference, string EntryId, long LedgerSequence, DateTimeOffset At, MessageSource Source);

/// <summary>
/// Settlement fixed the expiry price of a dated market: <see cref="Value"/> is what one unit settles at (a future: the
/// price; an option: its intrinsic value), as margin settles every open position.
/// </summary>
public sealed record ExpiryInput(string Market, decimal SettlementPrice, decimal Value, DateTimeOffset At, MessageSource Source);

/// <summary>
/// Liquidation closed up to <see cref="Size"/> (unsigned) of the vault's position in <see cref="Market"/> at
/// <see cref="Price"/> (AdlExecuted naming the vault, or TransferredToFund of the vault's own account).
/// </summary>
public sealed record ForcedCloseInput(string Market, ForcedCloseCause Cause, decimal Size, decimal Price, string Reference, DateTimeOffset At, MessageSource Source);

/// <summary>An INSURANCE_TRANSFER entry of margin's ledger paying <see cref="Amount"/> from <see cref="From"/> (the fund) into the vault's account.</summary>
public sealed record DeficitCoverInput(string Market, string From, string Asset, decimal Amount, string Reference, string EntryId, long LedgerSequence, DateTimeOffset At, MessageSource Source);

/// <summary>A VAULT_DEPOSIT entry of margin's ledger: <see cref="Amount"/> of <see cref="Asset"/> moved from <see cref="Lp"/> to the vault's account.</summary>
public sealed record DepositInput(string Lp, string Asset, decimal Amount, string Reference, DateTimeOffset At, MessageSource Source);

/// <summary>Liquidation handed the vault <see cref="Size"/> on <see cref="Side"/> at the bankruptcy price (TransferredToVault).</summary>
public sealed record TakeoverInput(string LiquidationId, string LiquidatedAccountId, string Market, VaultSide Side, decimal Size, decimal BankruptcyPrice, decimal MarkPrice, DateTimeOffset At, MessageSource Source);

/// <summary>
/// The vault's books as pure decisions (DESIGN.md §5). Share price = NAV / shares with NAV = collateral + unrealized PnL
/// at mark − fees owed. The rounding rule is one-way: shares minted and amounts paid are rounded down, so every rounding
/// unit stays with the LPs who remain and NAV per share never falls on a deposit or a withdrawal. Marks are an input
/// (the oracle's latest), and each event records the NAV it used, so Evolve needs none.
/// </summary>
public static class VaultBook
{
    public static NavPoint Nav(VaultState state, IReadOnlyDictionary<string, decimal> marks, DateTimeOffset at)
    {
        var unrealized = 0m;
        foreach (var (market, position) in state.Positions)
        {
            if (position.Size == 0)
            {
                continue;
            }

            if (!marks.TryGetValue(market, out var mark) || mark <= 0)
            {
                throw new VaultRefusedException($"No mark price for {market}: the vault holds {Text(position.Size)} of it and cannot value its shares without one.");
            }

            unrealized += position.UnrealizedAt(mark);
        }

        return new NavPoint(at, state.Collateral, unrealized, state.FeesOwed, state.Collateral + unrealized - state.FeesOwed, state.TotalShares);
    }

    public static IReadOnlyList<object> Deposit(VaultState state, VaultRules rules, string lp, decimal amount, string reference, IReadOnlyDictionary<string, decimal> marks, DateTimeOffset at)
    {
        Require(!string.IsNullOrWhiteSpace(lp), "A deposit needs the LP's account id.");
        Require(!string.IsNullOrWhiteSpace(reference), "A deposit needs a reference (its idempotency key).");
        if (state.DepositReferences.Contains(reference))
        {
            return [];
        }

        Require(amount >= rules.MinimumDeposit, $"Deposit of {Text(amount)} is below the minimum of {Text(rules.MinimumDeposit)} {rules.Asset}.");
        Require(decimal.Round(amount, VaultRules.MoneyDecimals) == amount, $"Deposit of {Text(amount)} has more than {VaultRules.MoneyDecimals} decimals.");
        var nav = Nav(state, marks, at);
        decimal minted;
        if (state.TotalShares == 0)
        {
            // No LP to dilute: the first shares are priced at 1. A negative NAV with no shares would hand the new LP a loss.
            Require(nav.Nav >= 0, $"The vault has no shares and a negative NAV of {Text(nav.Nav)}; deposits are closed until it is recapitalized.");
            minted = ExactMath.Floor(amount, VaultRules.ShareDecimals);
        }
        else
        {
            Require(nav.Nav > 0, $"The vault's NAV is {Text(nav.Nav)}: shares have no positive price, so deposits are refused.");
            minted = ExactMath.MulDivFloor(amount, state.TotalShares, nav.Nav, VaultRules.ShareDecimals);
        }

        Require(minted > 0, $"Deposit of {Text(amount)} buys less than one share unit at a share price of {Text(nav.SharePrice)}.");
        return [new VaultDeposited(state.VaultId, lp, reference, amount, minted, nav.Nav, state.TotalShares, at,
            [new VaultPosting(lp, rules.Asset, -amount), new VaultPosting(rules.LedgerAccount, rules.Asset, amount)])];
    }

    /// <summary>
    /// Margin moved a deposit into the vault's account (the authority on the LP's money went first): mint shares at the NAV
    /// now, once per ledger entry and per deposit id. A deposit the vault's rules refuse (below the minimum, NAV not
    /// positive, no mark to value a position, another asset) is returned to the LP instead; the money never stays
    /// without shares.
    /// </summary>
    public static IReadOnlyList<object> OnDepositBooked(VaultState state, VaultRules rules, DepositInput deposit, IReadOnlyDictionary<string, decimal> marks,
        Func<VaultState, DepositInput, string?>? admit = null)
    {
        ArgumentNullException.ThrowIfNull(deposit);
        if (!state.Inbox.ShouldApply(deposit.Source.Stream, deposit.Source.Sequence) || state.DepositReferences.Contains(deposit.Reference))
        {
            return [];
        }

        try
        {
            Require(deposit.Asset == rules.Asset, $"The vault holds {rules.Asset}, not {deposit.Asset}.");
            // Caps (governed, Integration/VaultParametersGateway.cs): a deposit beyond one is returned like any other refusal.
            if (admit?.Invoke(state, deposit) is { } capped)
            {
                throw new VaultRefusedException(capped);
            }

            return [.. Deposit(state, rules, deposit.Lp, deposit.Amount, deposit.Reference, marks, deposit.At).Cast<VaultDeposited>().Select(d => d with { Source = deposit.Source })];
        }
        catch (VaultRefusedException refused)
        {
            return [new DepositReturned(state.VaultId, deposit.Lp, deposit.Reference, deposit.Asset, deposit.Amount, refused.Message, deposit.At, deposit.Source,
                [new VaultPosting(deposit.Lp, deposit.Asset, -deposit.Amount), new VaultPosting(rules.AccountId, deposit.Asset, deposit.Amount),
                 new VaultPosting(rules.AccountId, deposit.Asset, -deposit.Amount), new VaultPosting(deposit.Lp, deposit.Asset, deposit.Amount)])];
        }
    }

    public static IReadOnlyList<object> RequestWithdrawal(VaultState state, VaultRules rules, string lp, decimal shares, DateTimeOffset at)
    {
        Require(!string.IsNullOrWhiteSpace(lp), "A withdrawal needs the LP's account id.");
        Require(shares > 0, $"A withdrawal must redeem a positive number of shares, not {Text(shares)}.");
        Require(decimal.Round(shares, VaultRules.ShareDecimals) == shares, $"{Text(shares)} shares has more than {VaultRules.ShareDecimals} decimals.");
        var free = state.FreeSharesOf(lp);
        Require(shares <= free, $"{lp} has {Text(free)} shares not already in a withdrawal request; cannot redeem {Text(shares)}.");
        var id = string.Create(CultureInfo.InvariantCulture, $"w-{state.WithdrawalRequests + 1}");
        return [new WithdrawalRequested(state.VaultId, id, lp, shares, at, at + rules.WithdrawalLockup)];
    }

    public static IReadOnlyList<object> CancelWithdrawal(VaultState state, string withdrawalId, string lp, DateTimeOffset at)
    {
        Require(state.Withdrawals.TryGetValue(withdrawalId, out var pending), $"No pending withdrawal '{withdrawalId}' (it was paid, cancelled, or never requested).");
        Require(pending!.Lp == lp, $"Withdrawal '{withdrawalId}' belongs to {pending.Lp}, not {lp}.");
        return [new WithdrawalCancelled(state.VaultId, withdrawalId, lp, pending.Shares, "cancelled by the LP", at)];
    }

    /// <summary>
    /// The clock: pays every withdrawal whose lock-up has ended at the NAV of <paramref name="now"/>, oldest first, as far
    /// as free collateral (collateral − fees owed) allows and while NAV is positive; one that cannot be paid is deferred,
    /// once, and retried on later ticks.
    /// </summary>
    public static IReadOnlyList<object> Advance(VaultState state, VaultRules rules, IReadOnlyDictionary<string, decimal> marks, DateTimeOffset now)
    {
        var due = state.Withdrawals.Values.Where(w => w.PayableAt <= now).OrderBy(w => w.PayableAt).ThenBy(w => w.Id, StringComparer.Ordinal).ToList();
        if (due.Count == 0)
        {
            return [];
        }

        var events = new List<object>();
        var s = state;
        foreach (var w in due)
        {
            var nav = Nav(s, marks, now);
            // With NAV at or below zero a redeemed share is worth nothing, but burning it would spread the deficit over
            // fewer shares: the withdrawer would leave its part of the loss to the LPs who stay. Such payouts wait.
            var amount = nav.Nav <= 0 ? 0m : ExactMath.MulDivFloor(w.Shares, nav.Nav, s.TotalShares, VaultRules.MoneyDecimals);
            var free = s.Collateral - Math.Max(0m, s.FeesOwed);
            if (nav.Nav <= 0 || amount > free)
            {
                if (!w.Deferred)
                {
                    var deferred = new WithdrawalDeferred(s.VaultId, w.Id, w.Lp, amount, free, now);
                    events.Add(deferred);
                    s = Evolve(s, deferred);
                }

                continue;
            }

            var paid = new WithdrawalPaid(s.VaultId, w.Id, w.Lp, w.Shares, amount, nav.Nav, s.TotalShares, now,
                [new VaultPosting(rules.LedgerAccount, rules.Asset, -amount), new VaultPosting(w.Lp, rules.Asset, amount)]);
            events.Add(paid);
            s = Evolve(s, paid);
        }

        return events;
    }

    public static IReadOnlyList<object> OnFill(VaultState state, VaultRules rules, VaultFillInput fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (!state.Inbox.ShouldApply(fill.Source.Stream, fill.Source.Sequence))
        {
            return [];
        }

        Require(fill.Quantity > 0 && fill.Price > 0, $"Fill {fill.FillId}: quantity and price must be positive.");
        var position = state.Positions.GetValueOrDefault(fill.Market, VaultPosition.Flat);
        var signed = fill.Side == VaultSide.Buy ? fill.Quantity : -fill.Quantity;
        var (after, realized) = position.Trade(signed, fill.Price);
        return [new VaultFilled(state.VaultId, fill.Market, fill.FillId, fill.OrderId, fill.Side, fill.Quantity, fill.Price, fill.Fee, realized,
            after.Size, after.Cost, fill.At, fill.Source, RealizedPostings(rules, realized))];
    }

    /// <summary>Pays the fees the vault owes out of its collateral (as much as it holds).</summary>
    public static IReadOnlyList<object> PayFees(VaultState state, VaultRules rules, DateTimeOffset at)
    {
        var amount = Math.Min(state.FeesOwed, Math.Max(0m, state.Collateral));
        return amount <= 0 ? [] : [new VaultFeesPaid(state.VaultId, amount, at,
            [new VaultPosting(rules.LedgerAccount, rules.Asset, -amount), new VaultPosting("system:fee-pool", rules.Asset, amount)])];
    }

    /// <summary>
    /// Margin paid the vault a fee share (settlement's distribution, booked as a FEE_DISTRIBUTION entry on the vault's
    /// account): the money is already in the account, so the vault only counts it, once per ledger entry (inbox), and
    /// attributes it to the shares outstanding. This is the vault's only fee income: NAV follows the money margin holds.
    /// </summary>
    public static IReadOnlyList<object> OnFeeIncome(VaultState state, VaultRules rules, FeeIncomeInput income)
    {
        ArgumentNullException.ThrowIfNull(income);
        if (!state.Inbox.ShouldApply(income.Source.Stream, income.Source.Sequence) || income.Amount == 0)
        {
            return [];
        }

        // Margin already moved it: refusing would leave money in the account that NAV does not count, so a malformed
        // entry is an error to surface (the consumer dead-letters it with this reason), never a silent skip.
        Require(income.Amount > 0, $"Ledger entry {income.LedgerSequence} ({income.Reference}) debits the vault's account by {Text(-income.Amount)} as a fee distribution; fee shares only credit it.");
        Require(income.Asset == rules.Asset, $"Ledger entry {income.LedgerSequence} ({income.Reference}) pays the vault {Text(income.Amount)} {income.Asset}; its NAV is in {rules.Asset}.");
        var perShare = state.TotalShares == 0
            ? 0m
            : ExactMath.MulDivFloor(income.Amount, 1m, state.TotalShares, VaultState.AccumulatorDecimals);
        return [new FeeIncomeBooked(state.VaultId, income.Kind, income.Reference, income.Asset, income.Amount, state.FeeIncomePerShare + perShare, income.LedgerSequence,
            income.At, income.Source, [new VaultPosting(income.From, income.Asset, -income.Amount), new VaultPosting(rules.LedgerAccount, income.Asset, income.Amount)])];
    }

    /// <summary>
    /// Margin booked a funding payment on the vault's account (its open perpetual crossed a funding interval): the money
    /// already moved, either way, so the vault counts it once per ledger entry (inbox) and NAV follows the account. A
    /// deposit or payout after it is priced at the NAV that includes it, so no LP gains or loses by the timing.
    /// </summary>
    public static IReadOnlyList<object> OnFunding(VaultState state, VaultRules rules, FundingInput funding)
    {
        ArgumentNullException.ThrowIfNull(funding);
        if (!state.Inbox.ShouldApply(funding.Source.Stream, funding.Source.Sequence) || funding.Amount == 0)
        {
            return [];
        }

        // Refusing would leave money moved in margin that NAV does not count: a malformed entry is an error to surface.
        Require(funding.Asset == rules.Asset, $"Ledger entry {funding.LedgerSequence} ({funding.Reference}) moves {Text(funding.Amount)} {funding.Asset} of funding on the vault's account; its NAV is in {rules.Asset}.");
        Require(!string.IsNullOrWhiteSpace(funding.Counterparty), $"Ledger entry {funding.LedgerSequence} ({funding.Reference}): a funding payment without the account on its other side.");
        return [new FundingBooked(state.VaultId, funding.Market, funding.Reference, funding.EntryId, funding.Asset, funding.Amount, state.Funding + funding.Amount,
            funding.LedgerSequence, funding.At, funding.Source,
            [new VaultPosting(rules.LedgerAccount, funding.Asset, funding.Amount), new VaultPosting(funding.Counterparty, funding.Asset, -funding.Amount)])];
    }

    /// <summary>
    /// Margin charged the vault's own account a liquidation fee (the vault was liquidated): money out of the account, once
    /// per ledger entry, so NAV follows the account.
    /// </summary>
    public static IReadOnlyList<object> OnLiquidationFee(VaultState state, VaultRules rules, LiquidationFeeInput fee)
    {
        ArgumentNullException.ThrowIfNull(fee);
        if (!state.Inbox.ShouldApply(fee.Source.Stream, fee.Source.Sequence) || fee.Amount == 0)
        {
            return [];
        }

        Require(fee.Amount > 0, $"Ledger entry {fee.LedgerSequence} ({fee.Reference}) credits the vault's account {Text(-fee.Amount)} as a liquidation fee; a fee only debits the account charged.");
        Require(fee.Asset == rules.Asset, $"Ledger entry {fee.LedgerSequence} ({fee.Reference}) charges the vault {Text(fee.Amount)} {fee.Asset}; its NAV is in {rules.Asset}.");
        return [new LiquidationFeePaid(state.VaultId, fee.Market, fee.Reference, fee.EntryId, fee.Asset, fee.Amount, fee.LedgerSequence, fee.At, fee.Source,
            [new VaultPosting(rules.LedgerAccount, fee.Asset, -fee.Amount), new VaultPosting(fee.PaidTo, fee.Asset, fee.Amount)])];
    }

    /// <summary>
    /// A market the vault holds expired: the whole position closes at the settlement value, as margin closes it (its
    /// EXPIRY_SETTLEMENT entry on the vault's account is this realized PnL), so the position leaves NAV and its value
    /// becomes collateral. Nothing to do when the vault holds none of it.
    /// </summary>
    public static IReadOnlyList<object> OnExpiry(VaultState state, VaultRules rules, ExpiryInput expiry)
    {
        ArgumentNullException.ThrowIfNull(expiry);
        var position = state.Positions.GetValueOrDefault(expiry.Market, VaultPosition.Flat);
        if (!state.Inbox.ShouldApply(expiry.Source.Stream, expiry.Source.Sequence) || position.Size == 0)
        {
            return [];
        }

        Require(expiry.Value >= 0 && expiry.SettlementPrice > 0, $"Expiry of {expiry.Market}: settlement price {Text(expiry.SettlementPrice)} and value {Text(expiry.Value)} must be positive (the value may be 0).");
        var (_, realized) = position.Trade(-position.Size, expiry.Value);
        return [new ExpirySettled(state.VaultId, expiry.Market, expiry.SettlementPrice, expiry.Value, position.Size, realized, expiry.At, expiry.Source,
            RealizedPostings(rules, realized))];
    }

    /// <summary>
    /// Liquidation closed the vault's position outside the book (ADL, or the fund taking over the vault's own position):
    /// the position decides the direction and never more than is open closes, as margin's ClosePosition does.
    /// </summary>
    public static IReadOnlyList<object> OnForcedClose(VaultState state, VaultRules rules, ForcedCloseInput close)
    {
        ArgumentNullException.ThrowIfNull(close);
        var position = state.Positions.GetValueOrDefault(close.Market, VaultPosition.Flat);
        if (!state.Inbox.ShouldApply(close.Source.Stream, close.Source.Sequence) || position.Size == 0 || close.Size == 0)
        {
            return [];
        }

        Require(close.Price > 0, $"{close.Cause} {close.Reference}: price {Text(close.Price)} must be positive.");
        var quantity = -Math.Sign(position.Size) * Math.Min(Math.Abs(close.Size), Math.Abs(position.Size));
        var (after, realized) = position.Trade(quantity, close.Price);
        return [new PositionForceClosed(state.VaultId, close.Market, close.Cause, close.Reference, quantity, close.Price, realized, after.Size, after.Cost, close.At,
            close.Source, RealizedPostings(rules, realized))];
    }

    /// <summary>The fund paid a deficit left on the vault's account: money in, once per ledger entry.</summary>
    public static IReadOnlyList<object> OnDeficitCover(VaultState state, VaultRules rules, DeficitCoverInput cover)
    {
        ArgumentNullException.ThrowIfNull(cover);
        if (!state.Inbox.ShouldApply(cover.Source.Stream, cover.Source.Sequence) || cover.Amount == 0)
        {
            return [];
        }

        Require(cover.Amount > 0, $"Ledger entry {cover.LedgerSequence} ({cover.Reference}) debits the vault's account {Text(-cover.Amount)} to the insurance fund; a deficit cover only credits it.");
        Require(cover.Asset == rules.Asset, $"Ledger entry {cover.LedgerSequence} ({cover.Reference}) covers {Text(cover.Amount)} {cover.Asset}; the vault's NAV is in {rules.Asset}.");
        return [new DeficitCovered(state.VaultId, cover.Market, cover.Reference, cover.EntryId, cover.Asset, cover.Amount, cover.LedgerSequence, cover.At, cover.Source,
            [new VaultPosting(cover.From, cover.Asset, -cover.Amount), new VaultPosting(rules.LedgerAccount, cover.Asset, cover.Amount)])];
    }

    public static IReadOnlyList<object> OnTakeover(VaultState state, VaultRules rules, TakeoverInput takeover)
    {
        ArgumentNullException.ThrowIfNull(takeover);
        if (!state.Inbox.ShouldApply(takeover.Source.Stream, takeover.Source.Sequence))
        {
            return [];
        }

        Require(takeover.Size > 0 && takeover.BankruptcyPrice > 0 && takeover.MarkPrice > 0,
            $"Takeover from {takeover.LiquidationId}: size and prices must be positive.");
        var position = state.Positions.GetValueOrDefault(takeover.Market, VaultPosition.Flat);
        var signed = takeover.Side == VaultSide.Buy ? takeover.Size : -takeover.Size;
        var (after, realized) = position.Trade(signed, takeover.BankruptcyPrice);
        // Buying at B what is worth M costs size × (B − M); selling at B what is worth M costs size × (M − B).
        var loss = signed * (takeover.BankruptcyPrice - takeover.MarkPrice);
        return [new BackstopTakenOver(state.VaultId, takeover.LiquidationId, takeover.LiquidatedAccountId, takeover.Market, takeover.Side, takeover.Size,
            takeover.BankruptcyPrice, takeover.MarkPrice, loss, realized, after.Size, after.Cost, takeover.At, takeover.Source, RealizedPostings(rules, realized))];
    }

    /// <summary>Records the NAV now (the share price history).</summary>
    public static IReadOnlyList<object> StrikeNav(VaultState state, IReadOnlyDictionary<string, decimal> marks, DateTimeOffset at)
    {
        var nav = Nav(state, marks, at);
        return [new NavStruck(state.VaultId, at, nav.Collateral, nav.UnrealizedPnl, nav.FeesOwed, nav.Nav, nav.Shares, nav.SharePrice, state.TradingFeeIncome, state.LiquidationFeeIncome,
            state.Funding, state.LiquidationFeesPaid)];
    }

    public static LpStatement Statement(VaultState state, string lp, NavPoint nav)
    {
        var h = state.Holdings.GetValueOrDefault(lp) ?? LpHolding.Empty(state.FeeIncomePerShare);
        var value = h.Shares == 0 || nav.Shares == 0 || nav.Nav <= 0 ? 0m : ExactMath.MulDivFloor(h.Shares, nav.Nav, nav.Shares, VaultRules.MoneyDecimals);
        return new LpStatement(lp, h.Shares, h.Locked, value, h.Deposited, h.Withdrawn, h.FeeIncomeAt(state.FeeIncomePerShare),
            value + h.Withdrawn - h.Deposited, [.. state.Withdrawals.Values.Where(w => w.Lp == lp)], [.. state.RecentFeeIncome.Reverse()]);
    }

    public static VaultState Evolve(VaultState state, object @event) => @event switch
    {
        VaultDeposited e => state with
        {
            Collateral = state.Collateral + e.Amount,
            TotalShares = state.TotalShares + e.SharesMinted,
            DepositReferences = state.DepositReferences.Add(e.Reference),
            Inbox = state.Inbox.RecordOnce(e.Source),
            Holdings = state.Holdings.SetItem(e.Lp, Holding(state, e.Lp) switch
            {
                var h => h with { Shares = h.Shares + e.SharesMinted, Deposited = h.Deposited + e.Amount },
            }),
        },
        DepositReturned e => state with { DepositReferences = state.DepositReferences.Add(e.Reference), Inbox = state.Inbox.RecordOnce(e.Source) },
        WithdrawalRequested e => state with
        {
            WithdrawalRequests = state.WithdrawalRequests + 1,
            Withdrawals = state.Withdrawals.Add(e.WithdrawalId, new PendingWithdrawal(e.WithdrawalId, e.Lp, e.Shares, e.RequestedAt, e.PayableAt, false)),
            Holdings = state.Holdings.SetItem(e.Lp, Holding(state, e.Lp) switch { var h => h with { Locked = h.Locked + e.Shares } }),
        },
        WithdrawalCancelled e => state with
        {
            Withdrawals = state.Withdrawals.Remove(e.WithdrawalId),
            Holdings = state.Holdings.SetItem(e.Lp, Holding(state, e.Lp) switch { var h => h with { Locked = h.Locked - e.Shares } }),
        },
        WithdrawalDeferred e => state with
        {
            Withdrawals = state.Withdrawals.SetItem(e.WithdrawalId, state.Withdrawals[e.WithdrawalId] with { Deferred = true }),
        },
        WithdrawalPaid e => state with
        {
            Collateral = state.Collateral - e.Amount,
            TotalShares = state.TotalShares - e.Shares,
            Withdrawals = state.Withdrawals.Remove(e.WithdrawalId),
            Holdings = state.Holdings.SetItem(e.Lp, Holding(state, e.Lp) switch
            {
                var h => h with { Shares = h.Shares - e.Shares, Locked = h.Locked - e.Shares, Withdrawn = h.Withdrawn + e.Amount },
            }),
        },
        VaultFilled e => state with
        {
            Collateral = state.Collateral + e.RealizedPnl,
            FeesOwed = state.FeesOwed + e.Fee,
            Positions = state.Positions.SetItem(e.Market, Position(state, e.Market) with { Size = e.SizeAfter, Cost = e.CostAfter, RealizedPnl = Position(state, e.Market).RealizedPnl + e.RealizedPnl }),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        VaultFeesPaid e => state with { Collateral = state.Collateral - e.Amount, FeesOwed = state.FeesOwed - e.Amount },
        FeeShareAccrued e => state with
        {
            Collateral = state.Collateral + e.Amount,
            FeeIncomePerShare = e.FeeIncomePerShareAfter,
            TradingFeeIncome = state.TradingFeeIncome + (e.Kind == FeeKind.Trading ? e.Amount : 0m),
            LiquidationFeeIncome = state.LiquidationFeeIncome + (e.Kind == FeeKind.Liquidation ? e.Amount : 0m),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        FeeIncomeBooked e => state with
        {
            Collateral = state.Collateral + e.Amount,
            FeeIncomePerShare = e.FeeIncomePerShareAfter,
            TradingFeeIncome = state.TradingFeeIncome + (e.Kind == FeeKind.Trading ? e.Amount : 0m),
            LiquidationFeeIncome = state.LiquidationFeeIncome + (e.Kind == FeeKind.Liquidation ? e.Amount : 0m),
            RecentFeeIncome = Kept(state.RecentFeeIncome.Add(new FeeIncomeEntry(e.Reference, e.Kind, e.Amount, e.FeeIncomePerShareAfter - state.FeeIncomePerShare,
                state.TotalShares, e.LedgerSequence, e.At))),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        FundingBooked e => state with
        {
            Collateral = state.Collateral + e.Amount,
            Funding = state.Funding + e.Amount,
            FundingByMarket = state.FundingByMarket.SetItem(e.Market, state.FundingByMarket.GetValueOrDefault(e.Market) + e.Amount),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        LiquidationFeePaid e => state with
        {
            Collateral = state.Collateral - e.Amount,
            LiquidationFeesPaid = state.LiquidationFeesPaid + e.Amount,
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        ExpirySettled e => state with
        {
            Collateral = state.Collateral + e.RealizedPnl,
            Positions = state.Positions.SetItem(e.Market, Position(state, e.Market) with { Size = 0m, Cost = 0m, RealizedPnl = Position(state, e.Market).RealizedPnl + e.RealizedPnl }),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        PositionForceClosed e => state with
        {
            Collateral = state.Collateral + e.RealizedPnl,
            Positions = state.Positions.SetItem(e.Market, Position(state, e.Market) with { Size = e.SizeAfter, Cost = e.CostAfter, RealizedPnl = Position(state, e.Market).RealizedPnl + e.RealizedPnl }),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        DeficitCovered e => state with { Collateral = state.Collateral + e.Amount, Inbox = state.Inbox.RecordOnce(e.Source) },
        BackstopTakenOver e => state with
        {
            Collateral = state.Collateral + e.RealizedPnl,
            Positions = state.Positions.SetItem(e.Market, Position(state, e.Market) with { Size = e.SizeAfter, Cost = e.CostAfter, RealizedPnl = Position(state, e.Market).RealizedPnl + e.RealizedPnl }),
            BackstopLosses = state.BackstopLosses.SetItem(e.Market, state.BackstopLosses.GetValueOrDefault(e.Market) + e.LossAtMark),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        NavStruck e => state with { LastNav = new NavPoint(e.At, e.Collateral, e.UnrealizedPnl, e.FeesOwed, e.Nav, e.Shares) },
        _ => throw new ArgumentException($"{@event.GetType().Name} is not a vault event.", nameof(@event)),
    };

    /// <summary>The LP's holding with its fee income brought up to date, so a share change never re-attributes past income.</summary>
    private static LpHolding Holding(VaultState state, string lp) =>
        (state.Holdings.GetValueOrDefault(lp) ?? LpHolding.Empty(state.FeeIncomePerShare)).Settle(state.FeeIncomePerShare);

    private static ImmutableList<FeeIncomeEntry> Kept(ImmutableList<FeeIncomeEntry> entries) =>
        entries.Count > VaultState.KeptFeeIncomeEntries ? entries.RemoveRange(0, entries.Count - VaultState.KeptFeeIncomeEntries) : entries;

    private static VaultPosition Position(VaultState state, string market) => state.Positions.GetValueOrDefault(market, VaultPosition.Flat);

    private static IReadOnlyList<VaultPosting> RealizedPostings(VaultRules rules, decimal realized) =>
        realized == 0 ? [] : [new VaultPosting(rules.LedgerAccount, rules.Asset, realized), new VaultPosting("system:settlement", rules.Asset, -realized)];

    private static void Require(bool ok, string problem)
    {
        if (!ok)
        {
            throw new VaultRefusedException(problem);
        }
    }

    internal static string Text(decimal value) => value.ToString("0.########", CultureInfo.InvariantCulture);
}
