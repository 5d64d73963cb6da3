using System.Globalization;
using System.Runtime.InteropServices;

namespace Clearing.Settlement.Domain.Ledger;

/// <summary>What <see cref="LedgerBook.Apply"/> did with an entry.</summary>
public enum LedgerApplyStatus
{
    /// <summary>Applied (and possibly parked entries after it, listed in the outcome).</summary>
    Applied,

    /// <summary>Its sequence is ahead of the next expected one: held until the gap before it fills.</summary>
    Parked,

    /// <summary>At or below the last applied sequence (or already parked): a repeat, ignored.</summary>
    Duplicate,

    /// <summary>Invalid (unbalanced, empty, malformed): not applied, its sequence is consumed and the reason kept.</summary>
    Rejected,
}

public sealed record LedgerApplyOutcome(LedgerApplyStatus Status, string? Reason, IReadOnlyList<LedgerEntryData> Applied, IReadOnlyList<LedgerRejection> Rejected);

public sealed record LedgerRejection(long Sequence, string EntryId, string Reason);

/// <summary>One posting as it moved an account's balance; the line of a statement.</summary>
public sealed record LedgerMovement(
    long Sequence,
    string EntryId,
    long TimeUnixNanos,
    LedgerEntryKind Kind,
    string Reference,
    string Market,
    decimal Amount,
    decimal BalanceAfter);

/// <summary>One account's position in one asset within the open epoch.</summary>
public sealed class AssetLine(string asset, decimal opening)
{
    private List<LedgerMovement>? _movements;

    public string Asset { get; } = asset;

    public decimal Opening { get; internal set; } = opening;

    public decimal Balance { get; internal set; } = opening;

    public IReadOnlyList<LedgerMovement> Movements => (IReadOnlyList<LedgerMovement>?)_movements ?? [];

    /// <summary>The movements without an enumerator: an epoch close walks millions of them.</summary>
    internal ReadOnlySpan<LedgerMovement> MovementSpan => CollectionsMarshal.AsSpan(_movements);

    internal void Post(LedgerEntryData entry, decimal amount)
    {
        Balance += amount;
        (_movements ??= []).Add(new LedgerMovement(entry.Sequence, entry.EntryId, entry.TimeUnixNanos, entry.Kind, entry.Reference, entry.Market, amount, Balance));
    }

    internal void BeginEpoch()
    {
        Opening = Balance;
        _movements = null;
    }
}

/// <summary>An account's lines, one per asset it ever held; most accounts hold one or two, so a list beats a map.</summary>
public sealed class AccountBook(string accountId)
{
    private readonly List<AssetLine> _lines = new(1);

    public string AccountId { get; } = accountId;

    public IReadOnlyList<AssetLine> Lines => _lines;

    public AssetLine? Find(string asset)
    {
        foreach (var line in _lines)
        {
            if (string.Equals(line.Asset, asset, StringComparison.Ordinal))
            {
                return line;
            }
        }

        return null;
    }

    internal AssetLine GetOrAdd(string asset)
    {
        var line = Find(asset);
        if (line is null)
        {
            line = new AssetLine(asset, 0m);
            _lines.Add(line);
            _lines.Sort(static (a, b) => string.CompareOrdinal(a.Asset, b.Asset));
        }

        return line;
    }
}

/// <summary>
/// The double-entry ledger folded from margin's LedgerEntry stream: balances per account and asset, the movements of
/// the open epoch, and the checks that make it trustworthy. Entries apply strictly in sequence order: one that arrives
/// ahead of a gap (entries of different accounts travel on different partitions) is parked until the gap fills;
/// repeats are ignored; an unbalanced or malformed entry is rejected with its reason and its sequence is consumed, so
/// one bad entry from margin is reported loudly instead of stalling every later one.
/// </summary>
/// <remarks>
/// Mutable for speed (an epoch may hold a million accounts) but deterministic and free of I/O: the same entries in
/// the same order always give the same balances, which is what the host's replay relies on.
/// </remarks>
public sealed class LedgerBook
{
    private readonly Dictionary<string, AccountBook> _accounts = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, decimal> _sumByAsset = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, LedgerEntryData> _parked = [];
    private readonly List<LedgerRejection> _rejections = [];
    private readonly SortedDictionary<string, decimal> _feesBooked = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, decimal> _liquidationFeesCollected = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, decimal> _fundSharesBooked = new(StringComparer.Ordinal);

    /// <summary>The sequence of the last entry applied or rejected; 0 before the first (ledger sequences start at 1).</summary>
    public long LastSequence { get; private set; }

    /// <summary>The first sequence of the open epoch.</summary>
    public long EpochFirstSequence { get; private set; } = 1;

    public int AccountCount => _accounts.Count;

    public IReadOnlyCollection<AccountBook> Accounts => _accounts.Values;

    /// <summary>Every rejection since the book started, in sequence order.</summary>
    public IReadOnlyList<LedgerRejection> Rejections => _rejections;

    /// <summary>Rejections within the open epoch.</summary>
    public IEnumerable<LedgerRejection> EpochRejections => _rejections.Where(r => r.Sequence >= EpochFirstSequence);

    /// <summary>Entries held behind a gap, lowest sequence first.</summary>
    public IReadOnlyCollection<long> ParkedSequences => _parked.Keys;

    /// <summary>The missing range while entries are parked: from the next expected sequence to just before the lowest parked one.</summary>
    public (long From, long To)? OpenGap => _parked.Count == 0 ? null : (LastSequence + 1, _parked.Keys.First() - 1);

    /// <summary>Running Σ of all postings per asset; double entry keeps each at exactly zero.</summary>
    public IReadOnlyDictionary<string, decimal> SumByAsset => _sumByAsset;

    /// <summary>Everything ever debited from the fee pool by fee-distribution entries, per asset.</summary>
    public IReadOnlyDictionary<string, decimal> FeesBooked => _feesBooked;

    /// <summary>Everything liquidation fees ever credited to the insurance fund, per asset (what its fee share is taken of).</summary>
    public IReadOnlyDictionary<string, decimal> LiquidationFeesCollected => _liquidationFeesCollected;

    /// <summary>Everything ever debited from the insurance fund by fee-distribution entries (its liquidation-fee shares), per asset.</summary>
    public IReadOnlyDictionary<string, decimal> FundSharesBooked => _fundSharesBooked;

    public AccountBook? Account(string accountId) => _accounts.GetValueOrDefault(accountId);

    public decimal Balance(string accountId, string asset) => Account(accountId)?.Find(asset)?.Balance ?? 0m;

    /// <summary>Every asset that any posting ever named, in ordinal order.</summary>
    public IReadOnlyCollection<string> Assets => _sumByAsset.Keys;

    public LedgerApplyOutcome Apply(LedgerEntryData entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Sequence <= LastSequence || _parked.ContainsKey(entry.Sequence))
        {
            return new LedgerApplyOutcome(LedgerApplyStatus.Duplicate, $"sequence {entry.Sequence} was already received (last applied {LastSequence})", [], []);
        }

        if (entry.Sequence > LastSequence + 1)
        {
            _parked.Add(entry.Sequence, entry);
            var gap = OpenGap!.Value;
            return new LedgerApplyOutcome(
                LedgerApplyStatus.Parked,
                $"sequence gap: expected {LastSequence + 1}, got {entry.Sequence}; entries {gap.From}..{gap.To} are missing, so this one waits",
                [],
                []);
        }

        var applied = new List<LedgerEntryData>();
        var rejected = new List<LedgerRejection>();
        ApplyInOrder(entry, applied, rejected);
        while (_parked.Remove(LastSequence + 1, out var next))
        {
            ApplyInOrder(next, applied, rejected);
        }

        var own = rejected.FirstOrDefault(r => r.Sequence == entry.Sequence);
        return own is null
            ? new LedgerApplyOutcome(LedgerApplyStatus.Applied, null, applied, rejected)
            : new LedgerApplyOutcome(LedgerApplyStatus.Rejected, own.Reason, applied, rejected);
    }

    /// <summary>Why an entry cannot be applied, or null when it is a valid balanced double entry.</summary>
    public static string? Validate(LedgerEntryData entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Malformed is { } malformed)
        {
            return $"entry {entry.EntryId} at sequence {entry.Sequence} is malformed: {malformed}";
        }

        if (string.IsNullOrWhiteSpace(entry.EntryId))
        {
            return $"entry at sequence {entry.Sequence} has no entry id";
        }

        if (entry.Postings is null || entry.Postings.Count < 2)
        {
            return $"entry {entry.EntryId} has {entry.Postings?.Count ?? 0} posting(s); a double entry needs at least two";
        }

        var sums = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        for (var i = 0; i < entry.Postings.Count; i++)
        {
            var p = entry.Postings[i];
            if (string.IsNullOrWhiteSpace(p.AccountId))
            {
                return $"entry {entry.EntryId} posting {i} has no account id";
            }

            if (string.IsNullOrWhiteSpace(p.Asset))
            {
                return $"entry {entry.EntryId} posting {i} ({p.AccountId}) has no asset";
            }

            if (p.Amount == 0m)
            {
                return $"entry {entry.EntryId} posting {i} ({p.AccountId} {p.Asset}) moves zero";
            }

            sums[p.Asset] = sums.GetValueOrDefault(p.Asset) + p.Amount;
        }

        foreach (var (asset, sum) in sums)
        {
            if (sum != 0m)
            {
                return $"entry {entry.EntryId} is unbalanced: its {asset} postings sum to {sum.ToString(CultureInfo.InvariantCulture)}, not 0";
            }
        }

        return null;
    }

    /// <summary>
    /// Closes the open epoch's books: every line's closing balance becomes the next opening and its movements are
    /// dropped (they are in the epoch's statements). Sequences from <see cref="LastSequence"/> + 1 belong to the next epoch.
    /// </summary>
    public void BeginNextEpoch()
    {
        foreach (var account in _accounts.Values)
        {
            foreach (var line in account.Lines)
            {
                line.BeginEpoch();
            }
        }

        EpochFirstSequence = LastSequence + 1;
    }

    private void ApplyInOrder(LedgerEntryData entry, List<LedgerEntryData> applied, List<LedgerRejection> rejected)
    {
        LastSequence = entry.Sequence;
        if (Validate(entry) is { } reason)
        {
            var rejection = new LedgerRejection(entry.Sequence, entry.EntryId ?? string.Empty, reason);
            _rejections.Add(rejection);
            rejected.Add(rejection);
            return;
        }

        foreach (var posting in entry.Postings)
        {
            if (!_accounts.TryGetValue(posting.AccountId, out var account))
            {
                account = new AccountBook(posting.AccountId);
                _accounts.Add(posting.AccountId, account);
            }

            account.GetOrAdd(posting.Asset).Post(entry, posting.Amount);
            _sumByAsset[posting.Asset] = _sumByAsset.GetValueOrDefault(posting.Asset) + posting.Amount;
            if (entry.Kind == LedgerEntryKind.FeeDistribution && posting.AccountId == LedgerAccounts.FeePool && posting.Amount < 0)
            {
                _feesBooked[posting.Asset] = _feesBooked.GetValueOrDefault(posting.Asset) - posting.Amount;
            }
            else if (entry.Kind == LedgerEntryKind.FeeDistribution && posting.AccountId == LedgerAccounts.InsuranceFund && posting.Amount < 0)
            {
                _fundSharesBooked[posting.Asset] = _fundSharesBooked.GetValueOrDefault(posting.Asset) - posting.Amount;
            }
            else if (entry.Kind == LedgerEntryKind.LiquidationFee && posting.AccountId == LedgerAccounts.InsuranceFund)
            {
                _liquidationFeesCollected[posting.Asset] = _liquidationFeesCollected.GetValueOrDefault(posting.Asset) + posting.Amount;
            }
        }

        applied.Add(entry);
    }
}
