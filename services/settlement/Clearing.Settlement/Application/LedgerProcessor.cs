using System.Globalization;
using Clearing.EventSourcing;
using Clearing.Primitives.Inbox;
using Clearing.ServiceDefaults.Configuration;
using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Fees;
using Clearing.Settlement.Domain.Ledger;
using Clearing.Settlement.Domain.Proofs;
using Clearing.Settlement.Integration;
using Microsoft.Extensions.Options;

namespace Clearing.Settlement.Application;

/// <summary>What a ledger message did.</summary>
public enum LedgerReceipt
{
    Stored,
    Skipped,
}

/// <summary>
/// The ledger side of settlement. One in-memory <see cref="SettlementLedger"/> folded from this service's "epoch-*"
/// streams; every consumed ledger entry is first appended (with its inbox coordinates) to the open epoch's stream and
/// only then folded, so a restart replays to the same book and the inbox skips what was stored. Epoch closes append
/// the fee split, one root per asset, the fee tiers and a seal in one append; the outbox relay publishes them.
/// Matching fills are stored the same way (<see cref="FillVolumeRecorded"/>, their own inbox) and fold into each
/// account's 30-day volume; each close assesses every account's fee tier under the schedule in force at the epoch's
/// end (<see cref="SettlementParametersGateway"/>; without one, the configured schedule) and records it.
/// </summary>
public sealed class LedgerProcessor(
    IEventStore store,
    SaltSecretProvider salts,
    IOptions<SettlementOptions> options,
    IOptions<ClearingOptions> clearing,
    TimeProvider time,
    ILogger<LedgerProcessor> logger,
    SettlementParametersGateway? fees = null)
{
    public const string Category = "epoch";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly EpochSchedule _schedule = options.Value.Epochs.ToSchedule();
    private readonly Dictionary<(long Epoch, string Asset), MerkleSumTree> _trees = [];
    private readonly Dictionary<(long Epoch, string Asset), EpochAssetClosed> _closed = [];
    private readonly Dictionary<long, FeeTiersAssigned> _feeTiers = [];
    private readonly FeeSchedule _configuredFees = new(options.Value.Fees.TierList());
    private TradingVolumes _volumes = new();
    private SettlementLedger? _ledger;
    private long _openStreamVersion = -1;

    public static string StreamOf(long epoch) => StreamName.For(Category, epoch.ToString(CultureInfo.InvariantCulture));

    public string StatementRoot => options.Value.Epochs.StatementDirectory is { Length: > 0 } configured
        ? configured
        : Path.Combine(clearing.Value.DataDirectory, clearing.Value.ServiceName, "statements");

    public async Task<SettlementLedger> SnapshotAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await EnsureLoadedAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<LedgerReceipt> ReceiveAsync(LedgerEntryReceived received, CancellationToken cancellationToken) =>
        await ReceiveManyAsync([received], cancellationToken) == 1 ? LedgerReceipt.Stored : LedgerReceipt.Skipped;

    /// <summary>
    /// A run of consumed ledger entries, in delivery order, as if each were received alone: the ones the inbox has not
    /// seen (repeats within the run included) are stored in ONE append to the open epoch and then folded one by one.
    /// One store transaction per run instead of per entry is what a consumer that is behind needs. Returns how many
    /// were stored.
    /// </summary>
    public async Task<int> ReceiveManyAsync(IReadOnlyList<LedgerEntryReceived> received, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(received);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var ledger = await EnsureLoadedAsync(cancellationToken);
            var fresh = Unseen(received, r => (r.SourceStream, r.SourceSequence), ledger.Inbox.Check);
            if (fresh.Count == 0)
            {
                return 0;
            }

            await AppendAsync(ledger.OpenEpoch, fresh, cancellationToken);
            foreach (var entry in fresh)
            {
                Fold(ledger, entry);
            }

            return fresh.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stores a fill (inbox: the matching topic's source stream and sequence), then counts it toward both accounts' volume.</summary>
    public async Task<LedgerReceipt> ReceiveFillAsync(FillVolumeRecorded fill, CancellationToken cancellationToken) =>
        await ReceiveFillsAsync([fill], cancellationToken) == 1 ? LedgerReceipt.Stored : LedgerReceipt.Skipped;

    /// <summary>
    /// A run of consumed fills, in delivery order, as if each were received alone: the ones the volume inbox has not
    /// seen (repeats within the run included) are stored in ONE append and then counted. Returns how many were stored.
    /// </summary>
    public async Task<int> ReceiveFillsAsync(IReadOnlyList<FillVolumeRecorded> fills, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fills);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var ledger = await EnsureLoadedAsync(cancellationToken);
            var fresh = Unseen(fills, f => (f.SourceStream, f.SourceSequence), _volumes.Check);
            if (fresh.Count == 0)
            {
                return 0;
            }

            await AppendAsync(ledger.OpenEpoch, fresh, cancellationToken);
            foreach (var fill in fresh)
            {
                Evolve(ledger, fill);
            }

            return fresh.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The items the inbox would apply if they were applied one after another: each source's sequences must rise past
    /// what the inbox holds and past the run's own earlier items (the inbox only learns them once they are folded).
    /// </summary>
    private static List<T> Unseen<T>(IReadOnlyList<T> items, Func<T, (string Stream, long Sequence)> source, Func<string, long, InboxVerdict> inbox)
    {
        var fresh = new List<T>(items.Count);
        Dictionary<string, long>? taken = null;
        foreach (var item in items)
        {
            var (stream, sequence) = source(item);
            if (inbox(stream, sequence) != InboxVerdict.Apply || (taken is not null && taken.TryGetValue(stream, out var last) && sequence <= last))
            {
                continue;
            }

            (taken ??= new Dictionary<string, long>(StringComparer.Ordinal))[stream] = sequence;
            fresh.Add(item);
        }

        return fresh;
    }

    /// <summary>Folds a stored ledger entry into the book, saying what the book made of it.</summary>
    private void Fold(SettlementLedger ledger, LedgerEntryReceived received)
    {
        var outcome = ledger.Receive(ToDomain(received), received.SourceStream, received.SourceSequence);
        switch (outcome.Status)
        {
            case LedgerApplyStatus.Parked:
                logger.LogWarning("Ledger entry {EntryId}: {Reason}", received.EntryId, outcome.Reason);
                break;
            case LedgerApplyStatus.Duplicate:
                logger.LogInformation("Ledger entry {EntryId} repeated: {Reason}", received.EntryId, outcome.Reason);
                break;
        }

        foreach (var rejection in outcome.Rejected)
        {
            logger.LogCritical("Ledger entry {EntryId} at sequence {Sequence} REJECTED: {Reason}", rejection.EntryId, rejection.Sequence, rejection.Reason);
        }
    }

    /// <summary>How many epochs' fee-tier assessments <see cref="FeeTiersAsync"/> answers from memory.</summary>
    public const int KeptFeeTierEpochs = 3;

    /// <summary>
    /// The fee tiers assessed at the close of <paramref name="epoch"/>, as recorded; null when it has not closed or is
    /// more than <see cref="KeptFeeTierEpochs"/> closes old (read its epoch stream instead).
    /// </summary>
    public async Task<FeeTiersAssigned?> FeeTiersAsync(long epoch, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureLoadedAsync(cancellationToken);
            return _feeTiers.GetValueOrDefault(epoch);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes every epoch whose end is at or before <paramref name="nowUnixNanos"/>; returns how many closed.</summary>
    public async Task<int> CloseDueEpochsAsync(long nowUnixNanos, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var ledger = await EnsureLoadedAsync(cancellationToken);
            var closed = 0;
            while (_schedule.EndOf(ledger.OpenEpoch) <= nowUnixNanos)
            {
                if (ledger.Book.OpenGap is { } gap)
                {
                    // Publishing a total that misses money would be a false proof: wait for the missing entries.
                    logger.LogWarning("Epoch {Epoch} is due but ledger entries {From}..{To} are missing; the close waits for them", ledger.OpenEpoch, gap.From, gap.To);
                    break;
                }

                await CloseAsync(ledger, nowUnixNanos, cancellationToken);
                closed++;
            }

            return closed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The inclusion proof of an account in a closed epoch's tree of <paramref name="asset"/>.</summary>
    public async Task<(InclusionProof? Proof, EpochAssetClosed? Closed)> ProofAsync(string accountId, long epoch, string asset, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureLoadedAsync(cancellationToken);
            if (!_closed.TryGetValue((epoch, asset), out var closed))
            {
                return (null, null);
            }

            if (!_trees.TryGetValue((epoch, asset), out var tree))
            {
                tree = await RebuildTreeAsync(epoch, asset, closed, cancellationToken);
            }

            return (tree.ProofFor(accountId), closed);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task CloseAsync(SettlementLedger ledger, long nowUnixNanos, CancellationToken cancellationToken)
    {
        var epoch = ledger.OpenEpoch;
        var start = _schedule.StartOf(epoch);
        var end = _schedule.EndOf(epoch);
        var secret = await salts.GetAsync(cancellationToken);
        var policy = options.Value.Fees.ToPolicy();
        var liquidationPolicy = options.Value.Fees.ToLiquidationPolicy();

        var events = new List<object>();
        foreach (var asset in ledger.Book.Assets)
        {
            var distributable = ledger.DistributableFees(asset);
            if (distributable > 0m)
            {
                var split = policy.Split(distributable);
                events.Add(new FeesDistributedRecorded(epoch, asset, distributable, [.. split.Select(s => new StoredShare(s.AccountId, s.Amount))], nowUnixNanos,
                    LedgerAccounts.FeePool));
            }

            // The vault's share of liquidation fees: out of the insurance fund, which collected them (LiquidationFeeSharePolicy).
            var unshared = ledger.UnsharedLiquidationFees(asset);
            var due = liquidationPolicy.Due(unshared, ledger.FundFree(asset));
            if (due > 0m)
            {
                events.Add(new FeesDistributedRecorded(epoch, asset, due, [new StoredShare(liquidationPolicy.AccountId, due)], nowUnixNanos, LedgerAccounts.InsuranceFund, unshared));
            }
        }

        var result = EpochCloser.Close(ledger.Book, epoch, start, end, secret);
        var directory = Path.Combine(StatementRoot, $"epoch-{epoch.ToString(CultureInfo.InvariantCulture)}");
        Directory.CreateDirectory(directory);
        var shards = options.Value.Epochs.StatementShards;
        var statements = StatementBatchWriter.Write(ledger.Book, epoch, start, end, shards, shard => new StatementShardTargets(
            File.Create(Path.Combine(directory, $"statements-{shard:D3}.jsonl")),
            File.Create(Path.Combine(directory, $"statements-{shard:D3}.csv"))));

        foreach (var asset in result.Assets)
        {
            events.Add(new EpochAssetClosed(
                epoch, start, end, asset.Asset, asset.RootHex, asset.TotalLiabilities, asset.Summary.TotalDeficits, asset.Summary.Accounts,
                asset.Summary.DeficitAccounts, result.FirstLedgerSequence, result.LastLedgerSequence, result.Rejections.Count));
        }

        // The schedule in force at the epoch's end, not at the tick that closes it: a close delayed by a ledger gap
        // assesses under the same version as a punctual one. Volume: the 30 days up to the epoch's last instant.
        var inForce = fees is null ? new FeeScheduleInForce(_configuredFees, -1, null) : await fees.FeesAtAsync(end, cancellationToken);
        var tiers = _volumes.Assess(inForce.Schedule, end - 1);
        events.Add(new FeeTiersAssigned(epoch, end, inForce.ParamsVersion, inForce.Refused, inForce.Schedule.Tiers, tiers));
        events.Add(new EpochSealed(epoch, result.LastLedgerSequence, directory, statements));
        await AppendAsync(epoch, events, cancellationToken);
        foreach (var e in events)
        {
            Evolve(ledger, e);
        }

        foreach (var asset in result.Assets)
        {
            _trees[(epoch, asset.Asset)] = asset.Tree;
        }

        // Keep the trees of the last few epochs; older proofs are rebuilt from the store on demand.
        foreach (var key in _trees.Keys.Where(k => k.Epoch < epoch - 2).ToList())
        {
            _trees.Remove(key);
        }

        logger.LogInformation(
            "Epoch {Epoch} closed at sequence {Sequence}: {Roots}; {Statements} statements in {Directory}; fee tiers of {Accounts} accounts under {Schedule}",
            epoch, result.LastLedgerSequence, string.Join(", ", result.Assets.Select(a => $"{a.Asset} total {a.TotalLiabilities} root {a.RootHex}")), statements, directory,
            tiers.Count, inForce.ParamsVersion < 0 ? "the configured schedule" : $"params-fees version {inForce.ParamsVersion}");
    }

    private async Task AppendAsync(long epoch, IReadOnlyList<object> events, CancellationToken cancellationToken)
    {
        var data = events.Select(e => SettlementSerialization.Serializer.Serialize(e)).ToList();
        try
        {
            var result = await store.AppendAsync(StreamOf(epoch), ExpectedVersion.From(_openStreamVersion), data, cancellationToken);
            _openStreamVersion = events.LastOrDefault() is EpochSealed ? -1 : result.NextExpectedVersion;
        }
        catch (Exception)
        {
            // The append may or may not have landed (a timeout, a concurrent writer): forget the in-memory book so the
            // next call reloads it from the store, which is the truth, and the inbox decides again.
            _ledger = null;
            throw;
        }
    }

    private async Task<SettlementLedger> EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_ledger is not null)
        {
            return _ledger;
        }

        SettlementLedger? ledger = null;
        _openStreamVersion = -1;
        _volumes = new TradingVolumes();
        _feeTiers.Clear();
        await foreach (var recorded in ReadAllAsync(cancellationToken))
        {
            ledger ??= new SettlementLedger(long.Parse(recorded.StreamId[(Category.Length + 1)..], CultureInfo.InvariantCulture));
            var e = SettlementSerialization.Serializer.Deserialize(recorded);
            Evolve(ledger, e);
            _openStreamVersion = e is EpochSealed ? -1 : recorded.StreamVersion;
        }

        _ledger = ledger ?? new SettlementLedger(_schedule.EpochAt(time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000));
        return _ledger;
    }

    private async IAsyncEnumerable<RecordedEvent> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var position = 1L;
        while (true)
        {
            var any = false;
            await foreach (var recorded in store.ReadAllAsync(position, 4096, Category, cancellationToken))
            {
                any = true;
                position = recorded.GlobalPosition + 1;
                yield return recorded;
            }

            if (!any)
            {
                yield break;
            }
        }
    }

    private void Evolve(SettlementLedger ledger, object e)
    {
        switch (e)
        {
            case LedgerEntryReceived r:
                ledger.Receive(ToDomain(r), r.SourceStream, r.SourceSequence);
                break;
            case FeesDistributedRecorded f:
                f.ApplyTo(ledger);
                break;
            case EpochAssetClosed c:
                _closed[(c.Epoch, c.Asset)] = c;
                break;
            case FillVolumeRecorded f:
                _volumes.Fill(f.TakerAccountId, f.MakerAccountId, f.TimeUnixNanos, f.Notional, f.SourceStream, f.SourceSequence);
                break;
            case FeeTiersAssigned t:
                _feeTiers[t.Epoch] = t;
                // Only the latest assessments stay in memory (they hold one row per trading account); older ones are in the store.
                _feeTiers.Remove(t.Epoch - KeptFeeTierEpochs);
                break;
            case EpochSealed s:
                ledger.EpochClosed(s.Epoch);
                break;
            default:
                throw new InvalidOperationException($"unexpected event {e.GetType().Name} in an epoch stream");
        }
    }

    private async Task<MerkleSumTree> RebuildTreeAsync(long epoch, string asset, EpochAssetClosed closed, CancellationToken cancellationToken)
    {
        // Replay a private copy of the ledger up to that epoch's seal and rebuild its tree; the root must match what was published.
        var replay = new Dictionary<(long, string), EpochAssetClosed>();
        SettlementLedger? copy = null;
        await foreach (var recorded in ReadAllAsync(cancellationToken))
        {
            copy ??= new SettlementLedger(long.Parse(recorded.StreamId[(Category.Length + 1)..], CultureInfo.InvariantCulture));
            var e = SettlementSerialization.Serializer.Deserialize(recorded);
            if (e is EpochSealed seal && seal.Epoch == epoch)
            {
                break;
            }

            switch (e)
            {
                case LedgerEntryReceived r:
                    copy.Receive(ToDomain(r), r.SourceStream, r.SourceSequence);
                    break;
                case FeesDistributedRecorded f:
                    f.ApplyTo(copy);
                    break;
                case EpochSealed s:
                    copy.EpochClosed(s.Epoch);
                    break;
                case EpochAssetClosed c:
                    replay[(c.Epoch, c.Asset)] = c;
                    break;
            }
        }

        var secret = await salts.GetAsync(cancellationToken);
        var rebuilt = EpochCloser.Close((copy ?? new SettlementLedger(epoch)).Book, epoch, closed.StartUnixNanos, closed.EndUnixNanos, secret).Assets.Single(a => a.Asset == asset);
        if (rebuilt.RootHex != closed.RootHash)
        {
            throw new InvalidOperationException($"epoch {epoch} {asset}: the replayed tree's root {rebuilt.RootHex} differs from the published {closed.RootHash}; the store or the salt secret changed");
        }

        _trees[(epoch, asset)] = rebuilt.Tree;
        return rebuilt.Tree;
    }

    public static LedgerEntryData ToDomain(LedgerEntryReceived r)
    {
        var postings = new List<LedgerPosting>(r.Postings.Count);
        string? malformed = null;
        foreach (var p in r.Postings)
        {
            if (decimal.TryParse(p.Amount, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount))
            {
                postings.Add(new LedgerPosting(p.AccountId, p.Asset, amount));
            }
            else
            {
                malformed ??= $"posting of {p.AccountId} has amount '{p.Amount}', not a decimal";
            }
        }

        return new LedgerEntryData(r.EntryId, r.Sequence, r.TimeUnixNanos, (LedgerEntryKind)r.Kind, postings, r.Reference, r.Market, malformed);
    }
}
