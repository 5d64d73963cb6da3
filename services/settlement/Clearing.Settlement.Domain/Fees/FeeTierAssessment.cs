using Clearing.Primitives.Inbox;

namespace Clearing.Settlement.Domain.Fees;

/// <summary>An account's fee tier from one assessment: its 30-day volume and the rates of the tier that volume reaches.</summary>
public sealed record FeeTierAssignment(string AccountId, decimal Volume30d, int Tier, decimal MakerRate, decimal TakerRate);

/// <summary>
/// Every account's traded notional in daily buckets (<see cref="RollingVolume"/>), folded from the fills settlement stored,
/// with the inbox of the matching topic. Mutable and deterministic: the same fills in the same order give the same
/// volumes, so a rebuild from the store assesses exactly what the live run assessed.
/// </summary>
public sealed class TradingVolumes
{
    private readonly SortedDictionary<string, RollingVolume> _byAccount = new(StringComparer.Ordinal);

    /// <summary>The last fill applied per matching source stream (kept apart from the ledger's inbox: different topics, no shared order).</summary>
    public InboxPosition Inbox { get; private set; } = InboxPosition.Empty;

    public int AccountCount => _byAccount.Count;

    public InboxVerdict Check(string sourceStream, long sourceSequence) => Inbox.Check(sourceStream, sourceSequence);

    /// <summary>Counts one fill's notional for both of its accounts (an account trading with itself counts once).</summary>
    public void Fill(string takerAccount, string makerAccount, long timeUnixNanos, decimal notional, string sourceStream, long sourceSequence)
    {
        Inbox = Inbox.Record(sourceStream, sourceSequence);
        Add(takerAccount, timeUnixNanos, notional);
        if (!string.Equals(takerAccount, makerAccount, StringComparison.Ordinal))
        {
            Add(makerAccount, timeUnixNanos, notional);
        }
    }

    public decimal VolumeAsOf(string accountId, long timeUnixNanos) =>
        _byAccount.TryGetValue(accountId, out var volume) ? volume.VolumeAsOf(timeUnixNanos) : 0m;

    /// <summary>
    /// The tier of every account with volume in the 30 days ending at <paramref name="asOfUnixNanos"/>, in ordinal order
    /// of account id. Accounts not listed have no volume in the window: tier 0. Accounts whose window is empty are
    /// dropped from memory (their buckets can never count again).
    /// </summary>
    public IReadOnlyList<FeeTierAssignment> Assess(FeeSchedule schedule, long asOfUnixNanos)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var assignments = new List<FeeTierAssignment>();
        List<string>? idle = null;
        foreach (var (account, rolling) in _byAccount)
        {
            var volume = rolling.VolumeAsOf(asOfUnixNanos);
            if (volume <= 0m)
            {
                if (rolling.ByDay.Keys.All(day => day <= RollingVolume.DayOf(asOfUnixNanos)))
                {
                    (idle ??= []).Add(account);
                }

                continue;
            }

            var index = schedule.TierIndexFor(volume);
            var tier = schedule.Tiers[index];
            assignments.Add(new FeeTierAssignment(account, volume, index, tier.MakerRate, tier.TakerRate));
        }

        foreach (var account in idle ?? [])
        {
            _byAccount.Remove(account);
        }

        return assignments;
    }

    private void Add(string accountId, long timeUnixNanos, decimal notional)
    {
        if (string.IsNullOrWhiteSpace(accountId))
        {
            return;
        }

        _byAccount[accountId] = _byAccount.GetValueOrDefault(accountId, RollingVolume.Empty).Add(timeUnixNanos, notional);
    }
}
