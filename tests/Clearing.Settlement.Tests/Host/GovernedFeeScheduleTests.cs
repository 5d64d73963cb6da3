using Clearing.Contracts.Margin.V1;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.ServiceDefaults.Configuration;
using Clearing.Settlement.Application;
using Clearing.Settlement.Domain.Ledger;
using Clearing.Settlement.Integration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using DomainSchedule = Clearing.Settlement.Domain.Fees.FeeSchedule;
using GovernedSchedule = Clearing.Parameters.FeeSchedule;
using GovernedTier = Clearing.Parameters.FeeTier;
using LedgerEntryKind = Clearing.Contracts.Margin.V1.LedgerEntryKind;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Clearing.Settlement.Tests.Host;

/// <summary>
/// Governance → settlement (SettlementParametersGateway): the registry's fee schedule in force at an epoch's end sets
/// the fee tiers assessed at that close, recorded with its version, over a real SQLite store.
/// </summary>
public sealed class GovernedFeeScheduleTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly long StartNanos = ParameterTime.UnixNanos(Start);
    private static readonly SettlementOptions Options = new()
    {
        Epochs = new EpochOptions { SaltSecret = new string('b', 64), StatementShards = 2 },
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-settlement-fees", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(Start);
    private readonly long _epoch;
    private SqliteEventStore _store = null!;
    private ParameterFeed _feed = null!;

    public GovernedFeeScheduleTests() => _epoch = Options.Epochs.ToSchedule().EpochAt(StartNanos);

    private long EndOf(long epoch) => Options.Epochs.ToSchedule().EndOf(epoch);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")), _time);
        _feed = new ParameterFeed(_store, NullLogger<ParameterFeed>.Instance);
        await _feed.LoadAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; a temp directory left behind is harmless.
        }
    }

    private SettlementParametersGateway Gateway() =>
        new(_feed, MsOptions.Create(Options), NullLogger<SettlementParametersGateway>.Instance);

    private LedgerProcessor Ledger(SettlementParametersGateway? fees) => new(
        _store,
        new SaltSecretProvider(_store, MsOptions.Create(Options)),
        MsOptions.Create(Options),
        MsOptions.Create(new ClearingOptions { DataDirectory = _directory, ServiceName = "settlement" }),
        _time,
        NullLogger<LedgerProcessor>.Instance,
        fees);

    /// <summary>dYdX-like tiers with one step at 1M: taker 5 bp below it, <paramref name="takerAbove"/> from it.</summary>
    private static GovernedSchedule Schedule(decimal takerAbove, decimal takerBase = 0.0005m) =>
        new([new GovernedTier(0m, 0.0001m, takerBase), new GovernedTier(1_000_000m, 0.00005m, takerAbove)], MaxMakerRebate: 0.0001m);

    private Task PublishAsync(long version, GovernedSchedule schedule, DateTimeOffset effective) =>
        _feed.ApplyAsync(ParamsContract.ToProto(version, new ParametersChanged(ParameterSets.Fees, schedule, effective, effective.AddHours(-1), $"p-{version}", version == 0 ? ChangeCause.Genesis : ChangeCause.Proposal, [])), CancellationToken.None);

    private static FillVolumeRecorded Fill(long sequence, string taker, string maker, string price, string quantity, long timeUnixNanos) =>
        LedgerGateway.ToFillVolume("BTC-PERP", timeUnixNanos, new Contracts.Matching.V1.Fill
        {
            FillId = $"BTC-PERP:{sequence}", Price = price, Quantity = quantity, TakerAccountId = taker, MakerAccountId = maker,
        }, Metadata("market-BTC-PERP", sequence));

    private static LedgerEntryReceived Deposit(long sequence, string account) => LedgerGateway.ToReceived(
        new LedgerEntry
        {
            EntryId = $"e-{sequence}", Sequence = sequence, TimeUnixNanos = StartNanos, Kind = LedgerEntryKind.Deposit, Reference = $"d-{sequence}",
            Postings = { new Posting { AccountId = "system:external", Asset = "USDC", Amount = "-1000" }, new Posting { AccountId = account, Asset = "USDC", Amount = "1000" } },
        },
        Metadata($"account-{account}", 0));

    private static KafkaMessageMetadata Metadata(string source, long sequence) => new()
    {
        Topic = "t", Partition = 0, Offset = sequence, Key = "k", Id = $"{source}:{sequence}", Type = "x", Source = "test", Subject = "k",
        Time = Start, SourceStream = source, SourceSequence = sequence,
    };

    /// <summary>acct-a trades 2M with acct-b (both reach the 1M tier); acct-c 10k with acct-b.</summary>
    private static async Task TradeAsync(LedgerProcessor ledger)
    {
        await ledger.ReceiveAsync(Deposit(1, "acct-a"), default);
        await ledger.ReceiveFillAsync(Fill(1, "acct-a", "acct-b", "50000", "40", StartNanos), default);
        await ledger.ReceiveFillAsync(Fill(2, "acct-c", "acct-b", "50000", "0.2", StartNanos + 1_000), default);
    }

    [Fact]
    public async Task a_fee_schedule_change_applies_from_its_effective_time_and_not_before()
    {
        var secondEnd = EndOf(_epoch + 1);
        await PublishAsync(0, Schedule(takerAbove: 0.0004m), Start.AddDays(-1));
        // Effective exactly at the second epoch's end: the first close (a day earlier) keeps version 0.
        await PublishAsync(1, Schedule(takerAbove: 0.0003m), ParameterTime.FromUnixNanos(secondEnd));
        var ledger = Ledger(Gateway());
        await TradeAsync(ledger);

        (await ledger.CloseDueEpochsAsync(EndOf(_epoch), default)).ShouldBe(1);
        var first = (await ledger.FeeTiersAsync(_epoch, default))!;
        first.ParamsVersion.ShouldBe(0);
        first.Refused.ShouldBeNull();
        first.AsOfUnixNanos.ShouldBe(EndOf(_epoch));
        first.Accounts.Select(a => (a.AccountId, a.Volume30d, a.Tier, a.TakerRate)).ShouldBe(
            [("acct-a", 2_000_000m, 1, 0.0004m), ("acct-b", 2_010_000m, 1, 0.0004m), ("acct-c", 10_000m, 0, 0.0005m)]);

        (await ledger.CloseDueEpochsAsync(secondEnd, default)).ShouldBe(1);
        var second = (await ledger.FeeTiersAsync(_epoch + 1, default))!;
        second.ParamsVersion.ShouldBe(1);
        second.Schedule[1].TakerRate.ShouldBe(0.0003m);
        second.Accounts.Single(a => a.AccountId == "acct-a").TakerRate.ShouldBe(0.0003m);
        second.Accounts.Single(a => a.AccountId == "acct-c").TakerRate.ShouldBe(0.0005m);
    }

    [Fact]
    public async Task a_schedule_effective_a_moment_after_an_epoch_end_is_not_used_at_that_close()
    {
        await PublishAsync(0, Schedule(takerAbove: 0.0004m), Start.AddDays(-1));
        await PublishAsync(1, Schedule(takerAbove: 0.0003m), ParameterTime.FromUnixNanos(EndOf(_epoch)).AddTicks(1));
        var gateway = Gateway();

        (await gateway.FeesAtAsync(EndOf(_epoch), default)).ParamsVersion.ShouldBe(0);
        (await gateway.FeesAtAsync(EndOf(_epoch) + 100, default)).ParamsVersion.ShouldBe(1);
    }

    [Fact]
    public async Task a_rebuild_from_the_store_gives_the_same_fees()
    {
        await PublishAsync(0, Schedule(takerAbove: 0.0004m), Start.AddDays(-1));
        await PublishAsync(1, Schedule(takerAbove: 0.0003m), Start.AddHours(1));
        var live = Ledger(Gateway());
        await TradeAsync(live);
        await live.CloseDueEpochsAsync(EndOf(_epoch), default);
        var recorded = (await live.FeeTiersAsync(_epoch, default))!;
        recorded.ParamsVersion.ShouldBe(1);

        // No registry at all: the rebuild reads what the close recorded instead of asking again.
        var rebuilt = Ledger(fees: null);
        var replayed = (await rebuilt.FeeTiersAsync(_epoch, default))!;
        replayed.ParamsVersion.ShouldBe(recorded.ParamsVersion);
        replayed.Schedule.ShouldBe(recorded.Schedule);
        replayed.Accounts.ShouldBe(recorded.Accounts);

        // The volumes were rebuilt too: the next close, under the same registry, assesses what the live process would.
        var next = Ledger(Gateway());
        await next.CloseDueEpochsAsync(EndOf(_epoch + 1), default);
        (await next.FeeTiersAsync(_epoch + 1, default))!.Accounts.ShouldBe(recorded.Accounts);
    }

    [Fact]
    public async Task an_unusable_governed_schedule_is_refused_and_the_configured_one_stays()
    {
        // A 1 % taker fee is inside governance's bound (at most 0.01) but settlement's schedule takes rates below 1 %.
        var unusable = Schedule(takerAbove: 0.0004m, takerBase: 0.01m);
        unusable.Validate().ShouldBeEmpty();
        await PublishAsync(0, unusable, Start.AddDays(-1));
        var ledger = Ledger(Gateway());
        await TradeAsync(ledger);

        await ledger.CloseDueEpochsAsync(EndOf(_epoch), default);

        var tiers = (await ledger.FeeTiersAsync(_epoch, default))!;
        tiers.ParamsVersion.ShouldBe(-1);
        tiers.Refused.ShouldNotBeNull();
        tiers.Refused.ShouldContain("params-fees version 0");
        tiers.Refused.ShouldContain("TakerRate 0.01 must be in [0, 0.01)");
        tiers.Schedule.ShouldBe(DomainSchedule.Default.Tiers);
        tiers.Accounts.Single(a => a.AccountId == "acct-a").TakerRate.ShouldBe(0.0004m);
        tiers.Accounts.Single(a => a.AccountId == "acct-c").TakerRate.ShouldBe(0.0005m);
    }

    [Fact]
    public async Task a_repeated_fill_counts_once_toward_the_volume()
    {
        var ledger = Ledger(fees: null);
        (await ledger.ReceiveFillAsync(Fill(1, "acct-a", "acct-b", "100", "3", StartNanos), default)).ShouldBe(LedgerReceipt.Stored);
        (await ledger.ReceiveFillAsync(Fill(1, "acct-a", "acct-b", "100", "3", StartNanos), default)).ShouldBe(LedgerReceipt.Skipped);
        await ledger.ReceiveAsync(Deposit(1, "acct-a"), default);

        await ledger.CloseDueEpochsAsync(EndOf(_epoch), default);

        var tiers = (await ledger.FeeTiersAsync(_epoch, default))!;
        tiers.ParamsVersion.ShouldBe(-1);
        tiers.Refused.ShouldBeNull();
        tiers.Accounts.Select(a => (a.AccountId, a.Volume30d)).ShouldBe([("acct-a", 300m), ("acct-b", 300m)]);
    }
}
