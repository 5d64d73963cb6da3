using Clearing.Contracts.Matching.V1;
using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;
using Proto = Clearing.Contracts.Orders.V1;

namespace Clearing.Matching.Application;

/// <summary>
/// Fee tiers and this book's share of market-maker protection. The book records the quote fills of protected accounts
/// (since their last trip, pruned to the window) and applies trips; deciding that a trip is due needs every book of
/// the underlying and is <see cref="MatchingPipeline"/>'s job.
/// </summary>
public sealed partial class MarketBook
{
    /// <summary>How many recent trips a book keeps, so a start-up can hand a book the trips its stream missed.</summary>
    public const int RememberedTrips = 1_024;

    /// <summary>Number of the last protection trip (per underlying) this book applied; 0 when none.</summary>
    public long LastTrip => _lastTrip;

    public IReadOnlyList<ProtectionInput> RecentTrips => _recentTrips;

    /// <summary>The book clock: the latest input time it has seen.</summary>
    public long Now => _now;

    /// <summary>Protected accounts whose quotes filled during the last input (in order of first fill).</summary>
    public IReadOnlyList<string> ProtectionTouched => _protectionTouched;

    /// <summary>Until when the account's new quotes are refused here (long.MinValue when never tripped).</summary>
    public long FrozenUntil(string account) => _protection.TryGetValue(account, out var p) ? p.FrozenUntil : long.MinValue;

    /// <summary>
    /// This book's part of the account's exposure: quote fills after <paramref name="after"/> (ns) since its last trip, in
    /// underlying nano-units — gross quantity and the interval its net delta lies in.
    /// </summary>
    public (long Quantity, long DeltaLow, long DeltaHigh) Exposure(string account, long after)
    {
        long quantity = 0, low = 0, high = 0;
        if (_protection.TryGetValue(account, out var p))
        {
            foreach (var f in p.Fills)
            {
                if (f.Time > after)
                {
                    quantity += f.Quantity;
                    low += f.DeltaLow;
                    high += f.DeltaHigh;
                }
            }
        }
        return (quantity, low, high);
    }

    /// <summary>
    /// Records a quote fill of a protected account. The delta bounds are conservative without a live delta: a future or
    /// perpetual moves ±quantity; a call's delta lies in [0, 1] and a put's in [−1, 0] per unit, so a bought call adds
    /// [0, +q], a sold call [−q, 0], a bought put [−q, 0], a sold put [0, +q]; the limit is checked against the larger
    /// end in absolute value, which the true net delta can never exceed.
    /// </summary>
    private void RecordProtection(string account, Proto.Side side, long lots)
    {
        if (!_rules.TryGetValue(account, out var rule))
        {
            return;
        }
        if (!_protection.TryGetValue(account, out var p))
        {
            p = new AccountProtection();
            _protection.Add(account, p);
        }
        p.Fills.RemoveAll(f => f.Time <= _now - rule.WindowNanos);
        var q = lots * Spec.LotNanoUnits;
        var signed = side == Proto.Side.Buy ? q : -q;
        var (low, high) = Spec.Kind != InstrumentKind.Option ? (signed, signed)
            : Spec.Right == OptionRight.Call ? (Math.Min(0, signed), Math.Max(0, signed))
            : (Math.Min(0, -signed), Math.Max(0, -signed));
        p.Fills.Add(new ProtectionFill(_now, q, low, high));
        if (!_protectionTouched.Contains(account))
        {
            _protectionTouched.Add(account);
        }
    }

    /// <summary>Applies a trip: forget the account's window, freeze its quotes, cancel its live quotes here (oldest first).</summary>
    private bool ApplyProtection(ProtectionInput trip, List<MatchingEvent> output)
    {
        if (trip.Number <= _lastTrip)
        {
            return false;
        }
        _lastTrip = trip.Number;
        _recentTrips.Add(trip);
        if (_recentTrips.Count > RememberedTrips)
        {
            _recentTrips.RemoveAt(0);
        }
        Tick(trip.Time);
        if (!_protection.TryGetValue(trip.Account, out var p))
        {
            p = new AccountProtection();
            _protection.Add(trip.Account, p);
        }
        p.Fills.Clear();
        p.FrozenUntil = Math.Max(p.FrozenUntil, trip.FrozenUntil);
        output.Add(new MatchingEvent
        {
            Market = Market, Sequence = ++Sequence, TimeUnixNanos = _now,
            ProtectionTriggered = new ProtectionTriggered
            {
                AccountId = trip.Account, Underlying = trip.Underlying, FrozenUntilUnixNanos = trip.FrozenUntil,
                TriggerMarket = trip.TriggerMarket, Reason = trip.Reason,
            },
        });
        if (!_accountIds.TryGetValue(trip.Account, out var accountId))
        {
            return true;
        }
        var quotes = _orders.Where(o => o.Value.IsQuote && o.Value.Account == trip.Account && !o.Value.Rejected).Select(o => o.Key).Order().ToList();
        _cancelReasonOverride = "protection";
        try
        {
            foreach (var id in quotes)
            {
                Run(EngineCommand.Cancel(_now, EngineMarket, id, accountId), "", null, output);
            }
        }
        finally
        {
            _cancelReasonOverride = null;
        }
        return true;
    }

    /// <summary>
    /// Puts the engine's tier for this account in line with the tier the command arrived with; it then applies to the
    /// account's fills in this market, as taker and as maker, until a later command brings another tier.
    /// </summary>
    private void SyncFeeTier(OrderInput o, List<MatchingEvent> output)
    {
        var tier = _fees.IndexOf(o.FeeTier);
        if (_accountTiers.GetValueOrDefault(o.Account) == tier)
        {
            return;
        }
        // Through Run: the engine's clock moves to the command's time first, and expiries that fall due are emitted as usual.
        Run(EngineCommand.AccountTier(o.Time, Intern(o.Account), tier), o.CommandId, o, output);
        if (tier == 0)
        {
            _accountTiers.Remove(o.Account);
        }
        else
        {
            _accountTiers[o.Account] = tier;
        }
    }

    private sealed class AccountProtection
    {
        public long FrozenUntil = long.MinValue;
        public readonly List<ProtectionFill> Fills = [];
    }

    private readonly record struct ProtectionFill(long Time, long Quantity, long DeltaLow, long DeltaHigh);
}
