using System.Collections.Immutable;
using System.Globalization;
using Clearing.Liquidation.Domain.Process;
using Clearing.Primitives.Inbox;

namespace Clearing.Liquidation.Domain.Fund;

public sealed record FundPayout(string Market, DateTimeOffset At, decimal Amount);

/// <summary>The state of stream "insurance-fund".</summary>
public sealed record InsuranceFundState
{
    public string Asset { get; init; } = InsuranceFund.DefaultAsset;

    public decimal Balance { get; init; }

    public InboxPosition Inbox { get; init; } = InboxPosition.Empty;

    /// <summary>Payouts still inside some market's cap window, oldest first.</summary>
    public ImmutableList<FundPayout> Payouts { get; init; } = [];

    /// <summary>Bankrupt accounts not yet covered → loss recorded as uncovered so far.</summary>
    public ImmutableSortedDictionary<string, decimal> BankruptAccounts { get; init; } = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal);

    /// <summary>
    /// "{account}/{market}" → the uncovered loss of that position as its latest liquidation case measured it. A position
    /// nobody could take stays with the account, so the next case measures the same deficit again: it replaces this
    /// figure instead of adding to it.
    /// </summary>
    public ImmutableSortedDictionary<string, decimal> UncoveredPositions { get; init; } = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal);

    public ImmutableSortedSet<string> DepositReferences { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    public bool WithdrawalsPaused { get; init; }

    public decimal TotalFees { get; init; }

    public decimal TotalPaidOut { get; init; }

    public decimal UncoveredLoss => BankruptAccounts.Values.Sum();

    public decimal RemainingCap(MarketRules rules, DateTimeOffset now) =>
        Math.Max(0m, rules.FundPayoutCap - Payouts.Where(p => p.Market == rules.Market && p.At > now - rules.PayoutCapWindow).Sum(p => p.Amount));

    /// <summary>Payouts for all markets within the 24 h ending at <paramref name="now"/>.</summary>
    public decimal PaidWithinDay(DateTimeOffset now) => Payouts.Where(p => p.At > now - FundPayoutLimits.DayWindow).Sum(p => p.Amount);

    /// <summary>What the per-day cap still allows at <paramref name="now"/>; null when there is no per-day cap.</summary>
    public decimal? DailyPayoutLeft(FundPayoutLimits limits, DateTimeOffset now) =>
        limits.MaxPayoutPerDay is { } cap ? Math.Max(0m, cap - PaidWithinDay(now)) : null;

    public FundCapacity Capacity(LiquidationRules rules, DateTimeOffset now) =>
        new(Balance, market => RemainingCap(rules.For(market), now), rules.FundLimits.MaxPayoutPerEvent, DailyPayoutLeft(rules.FundLimits, now));
}

/// <summary>
/// The insurance fund as pure decisions. It never decides a liquidation itself: it books, once each, the money effects of
/// the liquidation events (fees in, takeovers marked at the mark) and keeps the withdrawal pause while any bankrupt account
/// is uncovered. The liquidation process decides against the fund's capacity, and the host applies those decisions to the
/// fund before anything else is decided, so the fund is never promised money twice.
/// </summary>
public static class InsuranceFund
{
    public const string DefaultAsset = "USDC";

    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);

    public static IReadOnlyList<object> OnLiquidationEvent(InsuranceFundState state, object liquidationEvent, MessageSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!state.Inbox.ShouldApply(source.Stream, source.Sequence))
        {
            return [];
        }

        var events = new List<object>();
        var s = state;
        void Add(object e)
        {
            events.Add(e);
            s = Evolve(s, e);
        }

        switch (liquidationEvent)
        {
            case LiquidationStarted e when e.Bankrupt && !s.BankruptAccounts.ContainsKey(e.AccountId):
                Add(new FundBankruptcyOpened(e.AccountId, e.LiquidationId, e.At, source));
                PauseIfNeeded(s, e.At, $"{e.AccountId} is bankrupt (equity {Text(e.Equity)})", Add);
                break;
            case LiquidationRiskRefreshed e when e.Bankrupt && !s.BankruptAccounts.ContainsKey(e.AccountId):
                Add(new FundBankruptcyOpened(e.AccountId, e.LiquidationId, e.At, source));
                PauseIfNeeded(s, e.At, $"{e.AccountId} is bankrupt (equity {Text(e.Equity)})", Add);
                break;
            case SliceFilled e when e.LiquidationFee > 0:
                Add(new FundFeeCollected(e.AccountId, e.LiquidationId, e.Market, e.OrderId, e.LiquidationFee, s.Balance + e.LiquidationFee, e.At, source));
                break;
            case TransferredToFund e:
                Add(new FundTakeoverBooked(e.AccountId, e.LiquidationId, e.Market, e.Size, e.BankruptcyPrice, e.MarkPrice, e.FundChange, s.Balance + e.FundChange, e.At, source));
                break;
            case LiquidationCompleted e:
                var key = PositionKey(e.AccountId, e.Market);
                var measured = s.UncoveredPositions.TryGetValue(key, out var previous);
                if (e.UncoveredLoss > 0 || measured)
                {
                    // The case measured this position's whole deficit (what was left of it is still the account's), so
                    // it replaces the previous case's figure: a re-run after a band crossing must not count it twice.
                    var total = s.BankruptAccounts.GetValueOrDefault(e.AccountId) - previous + e.UncoveredLoss;
                    Add(new FundUncoveredLossRecorded(e.AccountId, e.LiquidationId, e.Market, e.UncoveredLoss, total, e.At, source));
                    if (e.UncoveredLoss > 0)
                    {
                        PauseIfNeeded(s, e.At, $"{Text(e.UncoveredLoss)} of {e.Market} loss of {e.AccountId} is uncovered", Add);
                    }
                }

                if (e.Last && s.BankruptAccounts.TryGetValue(e.AccountId, out var uncovered) && uncovered == 0)
                {
                    Add(new FundBankruptcyClosed(e.AccountId, e.LiquidationId, e.At, source));
                    if (s.WithdrawalsPaused && s.BankruptAccounts.IsEmpty)
                    {
                        Add(new WithdrawalsPauseChanged(s.Asset, false, [], 0m, $"the loss of {e.AccountId} is covered and no bankrupt account is left uncovered", e.At));
                    }
                }

                break;
        }

        return events;
    }

    /// <summary>Money paid into the fund, once per reference.</summary>
    public static IReadOnlyList<object> Deposit(InsuranceFundState state, string reference, decimal amount, string by, string reason, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        if (amount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "A deposit into the insurance fund must be positive.");
        }

        return state.DepositReferences.Contains(reference) ? [] : [new FundDeposited(reference, amount, state.Balance + amount, by, reason, at)];
    }

    public static InsuranceFundState Evolve(InsuranceFundState state, object @event) => @event switch
    {
        FundFeeCollected e => state with
        {
            Balance = e.BalanceAfter,
            TotalFees = state.TotalFees + e.Change,
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        FundTakeoverBooked e => state with
        {
            Balance = e.BalanceAfter,
            TotalPaidOut = state.TotalPaidOut + Math.Max(0m, -e.Change),
            Payouts = e.Change < 0 ? Prune(state.Payouts, e.At).Add(new FundPayout(e.Market, e.At, -e.Change)) : state.Payouts,
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        FundDeposited e => state with { Balance = e.BalanceAfter, DepositReferences = state.DepositReferences.Add(e.Reference) },
        FundBankruptcyOpened e => state with
        {
            BankruptAccounts = state.BankruptAccounts.SetItem(e.AccountId, state.BankruptAccounts.GetValueOrDefault(e.AccountId)),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        FundBankruptcyClosed e => state with
        {
            BankruptAccounts = state.BankruptAccounts.Remove(e.AccountId),
            UncoveredPositions = state.UncoveredPositions.RemoveRange(state.UncoveredPositions.Keys.Where(k => k.StartsWith(e.AccountId + "/", StringComparison.Ordinal))),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        FundUncoveredLossRecorded e => state with
        {
            BankruptAccounts = state.BankruptAccounts.SetItem(e.AccountId, e.TotalUncovered),
            UncoveredPositions = e.Loss > 0
                ? state.UncoveredPositions.SetItem(PositionKey(e.AccountId, e.Market), e.Loss)
                : state.UncoveredPositions.Remove(PositionKey(e.AccountId, e.Market)),
            Inbox = state.Inbox.RecordOnce(e.Source),
        },
        WithdrawalsPauseChanged e => state with { WithdrawalsPaused = e.Paused },
        _ => throw new ArgumentException($"{@event.GetType().Name} is not an insurance fund event.", nameof(@event)),
    };

    private static string PositionKey(string accountId, string market) => $"{accountId}/{market}";

    private static void PauseIfNeeded(InsuranceFundState s, DateTimeOffset at, string reason, Action<object> add)
    {
        if (!s.WithdrawalsPaused)
        {
            add(new WithdrawalsPauseChanged(s.Asset, true, [.. s.BankruptAccounts.Keys], s.UncoveredLoss, reason, at));
        }
    }

    /// <summary>Payouts older than the longest window a market may configure (MarketRules.PayoutCapWindow) can no longer count.</summary>
    private static ImmutableList<FundPayout> Prune(ImmutableList<FundPayout> payouts, DateTimeOffset now) =>
        payouts.RemoveAll(p => p.At < now - MaxWindow);

    private static string Text(decimal value) => value.ToString("0.########", CultureInfo.InvariantCulture);
}
