using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Funding.V1;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Settlement.Domain.Ledger;
using Confluent.Kafka;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>
/// Watches the stack's public topics while the simulation runs, group-less and read-committed: the ledger from its
/// first entry (the money invariants are about all of it), everything else from the moment the run starts. This is the
/// right half of the report — what the system did, as any outside consumer of its contracts would see it.
/// </summary>
internal sealed class TopicObserver : IDisposable
{
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly SimulationStats _stats;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly string _bootstrapServers;
    private Task? _loop;

    public TopicObserver(string bootstrapServers, SimulationStats stats)
    {
        _stats = stats;
        _bootstrapServers = bootstrapServers;
        _consumer = SimulatorConsumer.Create(bootstrapServers, "clearing-simulate", stopAtDeletedRecords: true);
    }

    public LedgerBook Ledger { get; } = new();
    public List<string> LedgerProblems { get; } = [];
    public long Fills { get; private set; }
    public decimal FilledNotional { get; private set; }
    public long MatchingRejected { get; private set; }
    public ConcurrentDictionary<string, bool> CommandsSeen { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, long> RiskEvents { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, AccountRisk> LastRisk { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, bool> BankruptAccounts { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, long> LiquidationEvents { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, bool> LiquidatedAccounts { get; } = new(StringComparer.Ordinal);
    public decimal UncoveredLoss { get; private set; }
    public string? InsuranceFundBalance { get; private set; }
    public ConcurrentDictionary<string, List<decimal>> FundingRates { get; } = new(StringComparer.Ordinal);
    public List<double> OrderToFillMillis { get; } = [];

    /// <summary>Gateway accept → matching's fill record (its Kafka timestamp, ms resolution): outbox, broker, matching.</summary>
    public List<double> AcceptedToMatchedMillis { get; } = [];

    /// <summary>Matching's fill record → seen here: the broker hop to an outside consumer.</summary>
    public List<double> MatchedToObservedMillis { get; } = [];

    /// <summary>Oracle price time (carried by the risk event it caused) → the risk event seen here: oracle publish, margin, broker hops.</summary>
    public List<double> PriceToRiskEventMillis { get; } = [];
    public HashSet<string> FillIds { get; } = new(StringComparer.Ordinal);
    public long DuplicateFills { get; private set; }
    public List<string> SequenceGaps { get; } = [];
    private readonly Dictionary<string, long> _lastMatchingSequence = new(StringComparer.Ordinal);

    /// <summary>Each side of an observed fill that carries a non-zero fee: margin must book a fee line for it (reference = fill id).</summary>
    public List<(string FillId, string AccountId)> FeeCarryingFillSides { get; } = [];

    /// <summary>Observed fills with no fee on either side: margin books no fee line for them, so the fills-booked check cannot see them.</summary>
    public long FeelessFills { get; private set; }

    /// <summary>(reference, account) of every trading-fee and rebate line on the ledger.</summary>
    public HashSet<(string Reference, string AccountId)> FeeBookings { get; } = [];

    /// <summary>Records this observer could not read because the broker deleted them first (it stops that partition, never skips).</summary>
    public List<string> ObserverGaps { get; } = [];

    public void Start(IEnumerable<string> fromNow)
    {
        var assignments = new List<TopicPartitionOffset>();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _bootstrapServers }).Build())
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            foreach (var topic in metadata.Topics.Where(t => t.Topic == Topics.MarginLedger || fromNow.Contains(t.Topic)))
            {
                foreach (var partition in topic.Partitions)
                {
                    var tp = new TopicPartition(topic.Topic, partition.PartitionId);
                    var start = topic.Topic == Topics.MarginLedger
                        ? Offset.Beginning
                        : _consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High;
                    assignments.Add(new TopicPartitionOffset(tp, start));
                }
            }
        }
        _consumer.Assign(assignments);
        _loop = Task.Factory.StartNew(Loop, TaskCreationOptions.LongRunning);
    }

    private void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e) when (e.Error.Code == ErrorCode.Local_AutoOffsetReset)
            {
                // The observer fell off the broker's retained log: what it missed cannot be judged, which fails the report.
                var where = e.ConsumerRecord?.TopicPartitionOffset;
                lock (_gate)
                {
                    var gap = $"{where?.Topic} [{where?.Partition.Value}] from offset {where?.Offset.Value}: {e.Error.Reason}";
                    ObserverGaps.Add(gap);
                    (where?.Topic == Topics.MarginLedger ? LedgerProblems : SequenceGaps).Add($"the observer lost {gap}");
                }
                continue;
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                continue;
            }

            if (result?.Message?.Value is not { } value)
            {
                continue;
            }
            lock (_gate)
            {
                try
                {
                    Dispatch(result.Topic, value, result.Message.Timestamp.UnixTimestampMs);
                }
                catch (Google.Protobuf.InvalidProtocolBufferException e)
                {
                    // A message that is not its topic's contract is a finding, not noise: it fails the ledger invariant.
                    LedgerProblems.Add($"{result.Topic} [{result.Partition.Value}@{result.Offset.Value}] does not parse as its contract: {e.Message}");
                }
            }
        }
    }

    /// <summary>Applies one record as if consumed (tests feed the report's inputs through here).</summary>
    internal void Observe(string topic, byte[] value, long producedAtUnixMs)
    {
        lock (_gate)
        {
            Dispatch(topic, value, producedAtUnixMs);
        }
    }

    private void Dispatch(string topic, byte[] value, long producedAtUnixMs)
    {
        switch (topic)
        {
            case Topics.MarginLedger:
                OnLedger(LedgerEntry.Parser.ParseFrom(value));
                break;
            case Topics.MatchingEvents:
                OnMatching(MatchingEvent.Parser.ParseFrom(value), producedAtUnixMs);
                break;
            case Topics.MarginRisk:
                OnRisk(RiskEvent.Parser.ParseFrom(value));
                break;
            case Topics.LiquidationEvents:
                OnLiquidation(LiquidationEvent.Parser.ParseFrom(value));
                break;
            case Topics.FundingEvents:
                OnFunding(FundingEvent.Parser.ParseFrom(value));
                break;
        }
    }

    private void OnLedger(LedgerEntry entry)
    {
        var postings = new List<LedgerPosting>(entry.Postings.Count);
        string? malformed = null;
        foreach (var posting in entry.Postings)
        {
            if (decimal.TryParse(posting.Amount, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
            {
                postings.Add(new LedgerPosting(posting.AccountId, posting.Asset, amount));
            }
            else
            {
                malformed = $"posting amount '{posting.Amount}' is not a decimal";
            }
        }
        if (entry.Kind is Clearing.Contracts.Margin.V1.LedgerEntryKind.TradingFee or Clearing.Contracts.Margin.V1.LedgerEntryKind.FeeRebate)
        {
            foreach (var posting in entry.Postings.Where(p => !p.AccountId.StartsWith("system:", StringComparison.Ordinal)))
            {
                FeeBookings.Add((entry.Reference, posting.AccountId));
            }
        }
        var outcome = Ledger.Apply(new LedgerEntryData(entry.EntryId, entry.Sequence, entry.TimeUnixNanos, (Clearing.Settlement.Domain.Ledger.LedgerEntryKind)(int)entry.Kind,
            postings, entry.Reference, entry.Market, malformed));
        foreach (var rejection in outcome.Rejected)
        {
            LedgerProblems.Add($"ledger entry {rejection.EntryId} (sequence {rejection.Sequence}): {rejection.Reason}");
        }
    }

    private void OnMatching(MatchingEvent e, long producedAtUnixMs)
    {
        // Matching numbers its events gap-free per market: a jump means events were lost, a repeat that they were doubled.
        if (_lastMatchingSequence.TryGetValue(e.Market, out var last) && e.Sequence != last + 1)
        {
            SequenceGaps.Add($"{e.Market}: sequence {e.Sequence} after {last}");
        }
        _lastMatchingSequence[e.Market] = e.Sequence;
        if (!string.IsNullOrEmpty(e.CommandId))
        {
            CommandsSeen[e.CommandId] = true;
        }
        switch (e.EventCase)
        {
            case MatchingEvent.EventOneofCase.Fill:
                if (!FillIds.Add(e.Fill.FillId))
                {
                    DuplicateFills++;
                    break;
                }
                Fills++;
                NoteFees(e.Fill);
                if (decimal.TryParse(e.Fill.Price, NumberStyles.Number, CultureInfo.InvariantCulture, out var price) &&
                    decimal.TryParse(e.Fill.Quantity, NumberStyles.Number, CultureInfo.InvariantCulture, out var quantity))
                {
                    FilledNotional += price * quantity;
                }
                if (_stats.TakerSentAt.TryRemove(e.Fill.TakerOrderId, out var sentAt))
                {
                    OrderToFillMillis.Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
                    if (_stats.TakerAcceptedAt.TryRemove(e.Fill.TakerOrderId, out var acceptedAt))
                    {
                        AcceptedToMatchedMillis.Add(producedAtUnixMs - acceptedAt / 1e6);
                        MatchedToObservedMillis.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - producedAtUnixMs);
                    }
                }
                break;
            case MatchingEvent.EventOneofCase.Rejected:
                MatchingRejected++;
                break;
        }
    }

    private void NoteFees(Fill fill)
    {
        var carried = false;
        foreach (var (account, fee) in new[] { (fill.TakerAccountId, fill.TakerFee), (fill.MakerAccountId, fill.MakerFee) })
        {
            if (decimal.TryParse(fee, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) && amount != 0m)
            {
                FeeCarryingFillSides.Add((fill.FillId, account));
                carried = true;
            }
        }
        if (!carried)
        {
            FeelessFills++;
        }
    }

    /// <summary>Fee-carrying fill sides margin has not booked yet (a fee line with the fill id as reference for that account).</summary>
    public int UnbookedFillSides() => FeeCarryingFillSides.Count(side => !FeeBookings.Contains(side));

    private void OnRisk(RiskEvent e)
    {
        RiskEvents.AddOrUpdate(e.EventCase.ToString(), 1, (_, n) => n + 1);
        if (e.TimeUnixNanos > 0)
        {
            PriceToRiskEventMillis.Add(((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100 - e.TimeUnixNanos) / 1e6);
        }
        LastRisk[e.AccountId] = e.Risk;
        if (e.EventCase == RiskEvent.EventOneofCase.Bankrupt)
        {
            BankruptAccounts[e.AccountId] = true;
        }
    }

    private void OnLiquidation(LiquidationEvent e)
    {
        LiquidationEvents.AddOrUpdate(e.EventCase.ToString(), 1, (_, n) => n + 1);
        switch (e.EventCase)
        {
            case LiquidationEvent.EventOneofCase.Started:
                LiquidatedAccounts[e.AccountId] = true;
                break;
            case LiquidationEvent.EventOneofCase.Completed when decimal.TryParse(e.Completed.UncoveredLoss, NumberStyles.Number, CultureInfo.InvariantCulture, out var loss):
                UncoveredLoss += loss;
                break;
            case LiquidationEvent.EventOneofCase.FundChanged:
                InsuranceFundBalance = e.FundChanged.Balance;
                break;
        }
    }

    private void OnFunding(FundingEvent e)
    {
        if (e.EventCase == FundingEvent.EventOneofCase.RateSet &&
            decimal.TryParse(e.RateSet.Rate, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var rate))
        {
            FundingRates.GetOrAdd(e.Market, _ => []).Add(rate);
        }
    }

    /// <summary>Runs <paramref name="read"/> under the observer's lock, so a report sees one consistent moment.</summary>
    public T Read<T>(Func<TopicObserver, T> read)
    {
        lock (_gate)
        {
            return read(this);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop?.Wait(TimeSpan.FromSeconds(5));
        _consumer.Close();
        _consumer.Dispose();
        _stop.Dispose();
    }
}
