using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing.Sqlite;
using Clearing.Matching.Application;
using Clearing.Matching.Integration;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.Primitives.Markets;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static Clearing.Matching.Tests.Host.HostOrders;

namespace Clearing.Matching.Tests.Host;

/// <summary>
/// Governance → matching: the registry's market-{symbol} set gives the default tier's fees, the price band and the
/// halted flag, from the first input of the market at or after the version's effective time, stored in the book's stream.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class GovernedParametersTests : IAsyncLifetime
{
    /// <summary>Ten microseconds after the flows' start: whole 100 ns ticks, as registry times are.</summary>
    private const long Effective = T0 + 10_000;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-matching-governed-tests", Guid.NewGuid().ToString("N"));
    private SqliteEventStore _store = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void a_governed_fee_change_applies_exactly_from_the_first_command_at_or_after_its_effective_time()
    {
        var governance = new RegistryGovernance(Registry(
            (At(T0 - 1_000_000_000), Btc()),
            (At(Effective), Btc(maker: 0.0002m, taker: 0.0007m))));
        var pipeline = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), governance);

        var fills = pipeline.Run(
                Limit("BTC-PERP", "mk", "m1", Side.Sell, "50000", "2", time: T0),
                Limit("BTC-PERP", "tk", "t1", Side.Buy, "50000", "1", time: Effective - 100),
                Limit("BTC-PERP", "tk", "t2", Side.Buy, "50000", "1", time: Effective))
            .Where(e => e.Fill != null).Select(e => e.Fill).ToList();

        // 100 ns before the effective time: the genesis (= catalog) rates, 5 bp taker and 1 bp maker of 50 000.
        (fills[0].TakerFee, fills[0].MakerFee).ShouldBe(("25", "5"));
        // At the effective time: 7 bp and 2 bp, also for the maker order that rested before the change.
        (fills[1].TakerFee, fills[1].MakerFee).ShouldBe(("35", "10"));
        var stored = pipeline.TakePending().ShouldHaveSingleItem().Inputs;
        stored.Select(Kind).ShouldBe(["params", "order", "order", "params", "order"]);
        stored[3].Params!.ShouldBe(new ParamsInput(1, Effective, Effective, "0.0002", "0.0007", "0.05", Halted: false));
        stored[4].Order!.Time.ShouldBe(Effective);
        pipeline.Book("BTC-PERP").AppliedParamsVersion.ShouldBe(1);
        pipeline.Book("ETH-PERP").AppliedParamsVersion.ShouldBe(-1);
    }

    [Fact]
    public void a_governed_price_band_applies_from_its_effective_time()
    {
        var governance = new RegistryGovernance(Registry((At(Effective), Btc(band: 0.01m))));
        var pipeline = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), governance);
        pipeline.Run(Price("BTC", 1, T0, marks: ("BTC-PERP", "50000")));

        var before = pipeline.Run(Limit("BTC-PERP", "a", "b1", Side.Buy, "50750", "1", time: Effective - 100));
        var after = pipeline.Run(Limit("BTC-PERP", "a", "b2", Side.Buy, "50750", "1", time: Effective));

        // +1.5% of the mark: inside the configured 5% band, outside the governed 1% band.
        before.ShouldContain(e => e.Rested != null && e.Rested.OrderId == "b1");
        after.Single(e => e.Rejected != null).Rejected.Reason.ShouldBe("price-outside-band");
        pipeline.Book("BTC-PERP").PriceBandBps.ShouldBe(100);
    }

    [Fact]
    public void a_governed_halt_refuses_new_orders_but_not_cancels_and_a_governed_resume_reopens_the_market()
    {
        var governance = new RegistryGovernance(Registry(
            (At(T0 - 1_000_000_000), Btc()),
            (At(Effective), Btc(halted: true)),
            (At(Effective + 10_000), Btc())));
        var pipeline = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), governance);
        pipeline.Run(Limit("BTC-PERP", "mk", "m1", Side.Sell, "50100", "1", time: T0));

        var halted = pipeline.Run(Limit("BTC-PERP", "tk", "t1", Side.Buy, "50100", "1", time: Effective));
        var cancelled = pipeline.Run(Cancel("BTC-PERP", "mk", "m1", time: Effective + 100));
        var resumed = pipeline.Run(Limit("BTC-PERP", "tk", "t2", Side.Buy, "50000", "1", time: Effective + 10_000));

        halted[0].StatusChanged.ShouldNotBeNull();
        (halted[0].StatusChanged.Status, halted[0].StatusChanged.Reason).ShouldBe(("halted", "halted by governance (market-BTC-PERP version 1)"));
        halted[1].Rejected.Reason.ShouldBe("market-halted");
        halted.ShouldNotContain(e => e.Fill != null);
        cancelled.Single().Cancelled.Reason.ShouldBe("user");
        (resumed[0].StatusChanged.Status, resumed[0].StatusChanged.Reason).ShouldBe(("open", "resumed by governance (market-BTC-PERP version 2)"));
        resumed.ShouldContain(e => e.Rested != null && e.Rested.OrderId == "t2");
        pipeline.Book("BTC-PERP").GovernedHalt.ShouldBeFalse();
    }

    [Fact]
    public void a_governed_resume_does_not_lift_an_emergency_halt()
    {
        var governance = new RegistryGovernance(Registry(
            (At(Effective), Btc(halted: true)),
            (At(Effective + 10_000), Btc())));
        var pipeline = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), governance);
        pipeline.Run(Limit("BTC-PERP", "mk", "m1", Side.Sell, "50100", "1", time: Effective));
        var emergency = new List<MatchingEvent>();
        pipeline.Apply("BTC-PERP", new HaltInput(0, Effective + 100, "operator", "oracle incident"), emergency);

        var after = pipeline.Run(Limit("BTC-PERP", "tk", "t1", Side.Buy, "50000", "1", time: Effective + 10_000));

        emergency.ShouldBeEmpty();
        after.ShouldNotContain(e => e.StatusChanged != null);
        after.Single().Rejected.Reason.ShouldBe("market-halted");
    }

    [Fact]
    public async Task an_invalid_governed_fee_is_refused_with_a_logged_reason_and_the_configured_fee_stays()
    {
        var feed = new ParameterFeed(_store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(CancellationToken.None);
        await feed.ApplyAsync(Message(0, At(T0 - 1_000_000_000), Btc(maker: 0.00012345m, taker: 0.0007m, halted: false)), CancellationToken.None);
        var log = new CapturingLogger<MatchingParametersGateway>();
        var pipeline = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), new MatchingParametersGateway(feed, log));

        var fill = pipeline.Run(
                Limit("BTC-PERP", "mk", "m1", Side.Sell, "50000", "1", time: T0),
                Limit("BTC-PERP", "tk", "t1", Side.Buy, "50000", "1", time: T0 + 1_000))
            .Single(e => e.Fill != null).Fill;

        // 1.2345 bp is not a whole millionth: the pair is refused, the catalog's 1 bp / 5 bp stay.
        (fill.TakerFee, fill.MakerFee).ShouldBe(("25", "5"));
        pipeline.Book("BTC-PERP").DefaultFees.ShouldBe((0.0001m, 0.0005m));
        var stored = pipeline.TakePending().ShouldHaveSingleItem().Inputs[0].Params!;
        (stored.MakerFee, stored.TakerFee, stored.PriceBand).ShouldBe((null, null, "0.05"));
        stored.Refused.ShouldNotBeNull().ShouldContain("must be a whole millionth of notional");
        var warning = log.Entries.ShouldHaveSingleItem();
        warning.Level.ShouldBe(LogLevel.Warning);
        warning.Message.ShouldContain("partly refused by matching");
        warning.Message.ShouldContain("0.00012345");
    }

    [Fact]
    public void a_band_that_is_not_a_whole_basis_point_is_refused_while_the_valid_fees_of_the_same_version_apply()
    {
        var governance = new RegistryGovernance(Registry((At(Effective), Btc(maker: 0.0002m, taker: 0.0007m, band: 0.00005m))));
        var pipeline = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), governance);

        var fill = pipeline.Run(
                Limit("BTC-PERP", "mk", "m1", Side.Sell, "50000", "1", time: Effective),
                Limit("BTC-PERP", "tk", "t1", Side.Buy, "50000", "1", time: Effective + 100))
            .Single(e => e.Fill != null).Fill;

        (fill.TakerFee, fill.MakerFee).ShouldBe(("35", "10"));
        pipeline.Book("BTC-PERP").PriceBandBps.ShouldBe(500);
        governance.Applied.ShouldHaveSingleItem().Refused.ShouldNotBeNull().ShouldContain("priceBandFraction 0.00005");
    }

    [Fact]
    public void named_fee_tiers_keep_their_configured_rates_and_a_rate_a_tier_leaves_unset_follows_the_governed_default()
    {
        var options = new MatchingOptions
        {
            FeeTiers = [new FeeTierOptions { Name = "vip", TakerFee = 0.0003m }],
            AccountTiers = new Dictionary<string, string> { ["vip"] = "vip" },
        };
        var governance = new RegistryGovernance(Registry((At(Effective), Btc(maker: 0.0002m, taker: 0.0007m))));
        var pipeline = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, options, governance);

        var fills = pipeline.Run(
                Limit("BTC-PERP", "vip", "m1", Side.Sell, "50000", "1", time: Effective),
                Limit("BTC-PERP", "someone", "t1", Side.Buy, "50000", "1", time: Effective + 100),
                Limit("BTC-PERP", "someone", "m2", Side.Sell, "50000", "1", time: Effective + 200),
                Limit("BTC-PERP", "vip", "t2", Side.Buy, "50000", "1", time: Effective + 300))
            .Where(e => e.Fill != null).Select(e => e.Fill).ToList();

        // vip's tier sets no maker rate: it makes at the governed default 2 bp = 10; the default-tier taker pays governed 7 bp = 35.
        (fills[0].MakerFee, fills[0].TakerFee, fills[0].MakerFeeTier).ShouldBe(("10", "35", "vip"));
        // vip takes at its configured 3 bp = 15 (not governed); the default-tier maker pays governed 2 bp = 10.
        (fills[1].TakerFee, fills[1].MakerFee, fills[1].TakerFeeTier).ShouldBe(("15", "10", "vip"));
    }

    [Fact]
    public async Task a_replay_and_a_restore_from_a_snapshot_give_identical_fills_without_asking_the_registry_again()
    {
        var flow = BookSnapshotTests.RichFlow(seed: 11, count: 3_000);
        var (stored, rest) = (flow.Take(2_000).ToList(), flow.Skip(2_000).ToList());
        var e1 = TimeOf(flow[700]);
        var e2 = TimeOf(flow[1_400]);
        var registry = Registry(
            (At(T0 - 1_000_000_000), Btc()),
            (At(e1), Btc(maker: -0.0001m, taker: 0.0008m, band: 0.02m)),
            (At(e2), Btc(maker: 0.0003m, taker: 0.0006m, band: 0.1m)),
            (At(e1), Market("ETH-PERP", halted: true)),
            (At(e2), Market("ETH-PERP")));
        var original = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), new RegistryGovernance(registry));
        var published = new List<MatchingEvent>();
        var versions = original.Books.Keys.ToDictionary(m => m, _ => -1L);
        var chunk = 0;
        foreach (var part in stored.Chunk(101))
        {
            published.AddRange(HostReplayTests.Run(original, part));
            foreach (var batch in original.TakePending())
            {
                versions[batch.Market] = await BookStore.AppendAsync(_store, batch, versions[batch.Market], CancellationToken.None);
            }
            if (++chunk == 12)
            {
                // Between the two changes: the snapshot carries version 1 and the tail holds version 2's input.
                foreach (var market in original.Books.Keys.Where(m => versions[m] >= 0))
                {
                    await BookStore.SaveSnapshotAsync(_store, original.Book(market), versions[market], CancellationToken.None);
                }
            }
        }
        original.Book("BTC-PERP").AppliedParamsVersion.ShouldBe(2);
        published.Where(e => e.Fill != null && e.Market == "BTC-PERP").ShouldContain(e => e.Fill.MakerFee.StartsWith('-'));
        published.Where(e => e.Market == "ETH-PERP").ShouldContain(e => e.Rejected != null && e.Rejected.Reason == "market-halted");

        var asked = new RegistryGovernance(registry) { Refuse = true };
        var restored = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), asked);
        var warnings = new CapturingLogger<GovernedParametersTests>();
        var snapshotVersions = new List<long>();
        foreach (var market in restored.Books.Keys.ToList())
        {
            var (_, snapshotVersion) = await BookStore.RestoreAsync(_store, restored, market, long.MaxValue, warnings, null, CancellationToken.None);
            snapshotVersions.Add(snapshotVersion);
        }
        var replayed = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), asked);
        var replayedEvents = new List<MatchingEvent>();
        foreach (var market in replayed.Books.Keys.ToList())
        {
            await BookStore.ReplayAsync(_store, replayed, market, (_, events) => replayedEvents.AddRange(events), CancellationToken.None);
        }

        warnings.Entries.ShouldBeEmpty();
        snapshotVersions.ShouldContain(v => v >= 0);
        restored.Book("BTC-PERP").AppliedParamsVersion.ShouldBe(2);
        HostReplayTests.Wire(replayedEvents.OrderBy(e => e.Market, StringComparer.Ordinal).ThenBy(e => e.Sequence))
            .ShouldBe(HostReplayTests.Wire(published.Where(e => e.Sequence > 0).OrderBy(e => e.Market, StringComparer.Ordinal).ThenBy(e => e.Sequence)));
        foreach (var market in original.Books.Keys)
        {
            restored.Book(market).StateHash().ShouldBe(original.Book(market).StateHash(), market);
            replayed.Book(market).StateHash().ShouldBe(original.Book(market).StateHash(), market);
        }

        asked.Refuse = false;
        var continued = HostReplayTests.Wire(HostReplayTests.Run(restored, rest));
        continued.ShouldBe(HostReplayTests.Wire(HostReplayTests.Run(original, rest)));
        continued.Count.ShouldBeGreaterThan(500);
    }

    [Fact]
    public async Task a_restarted_matching_picks_up_the_parameters_in_force_from_its_stored_copy_of_the_registry()
    {
        var feed = new ParameterFeed(_store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(CancellationToken.None);
        await feed.ApplyAsync(Message(0, At(T0 - 1_000_000_000), Btc(maker: 0.0002m, taker: 0.0006m)), CancellationToken.None);
        await feed.ApplyAsync(Message(1, At(Effective), Btc(maker: 0.0003m, taker: 0.0007m)), CancellationToken.None);
        var first = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), new MatchingParametersGateway(feed, NullLogger<MatchingParametersGateway>.Instance));
        var before = first.Run(
                Limit("BTC-PERP", "mk", "m1", Side.Sell, "50000", "3", time: T0),
                Limit("BTC-PERP", "tk", "t1", Side.Buy, "50000", "1", time: T0 + 1_000))
            .Single(e => e.Fill != null).Fill;
        foreach (var batch in first.TakePending())
        {
            await BookStore.AppendAsync(_store, batch, -1, CancellationToken.None);
        }

        // The restarted process: a new feed folds the registry copy from the store (no topic), the book comes from its stream.
        var restartedFeed = new ParameterFeed(_store, NullLogger<ParameterFeed>.Instance);
        await restartedFeed.LoadAsync(CancellationToken.None);
        var restarted = new MatchingPipeline(MarketCatalog.EmbeddedDefaults, new MatchingOptions(), new MatchingParametersGateway(restartedFeed, NullLogger<MatchingParametersGateway>.Instance));
        await BookStore.RestoreAsync(_store, restarted, "BTC-PERP", long.MaxValue, NullLogger.Instance, null, CancellationToken.None);
        restarted.Book("BTC-PERP").AppliedParamsVersion.ShouldBe(0);
        var stillVersion0 = restarted.Run(Limit("BTC-PERP", "tk", "t2", Side.Buy, "50000", "1", time: Effective - 100)).Single(e => e.Fill != null).Fill;
        var version1 = restarted.Run(Limit("BTC-PERP", "tk", "t3", Side.Buy, "50000", "1", time: Effective)).Single(e => e.Fill != null).Fill;

        (before.TakerFee, before.MakerFee).ShouldBe(("30", "10"));
        (stillVersion0.TakerFee, stillVersion0.MakerFee).ShouldBe(("30", "10"));
        (version1.TakerFee, version1.MakerFee).ShouldBe(("35", "15"));
        restarted.TakePending().ShouldHaveSingleItem().Inputs.Select(Kind).ShouldBe(["order", "params", "order"]);
    }

    private static string Kind(BookInput input) =>
        input.Order is not null ? "order" : input.Params is not null ? "params" : input.Price is not null ? "price" : input.Halt is not null ? "halt" : "protection";

    private static long TimeOf(IMessage message)
    {
        var time = message switch
        {
            OrderCommand c => c.TimeUnixNanos,
            Clearing.Contracts.Oracle.V1.PriceUpdate p => p.TimeUnixNanos,
            _ => throw new ArgumentException("not a flow message"),
        };
        return time / 100 * 100;
    }

    private static DateTimeOffset At(long unixNanos) => DateTimeOffset.UnixEpoch.AddTicks(unixNanos / 100);

    private static MarketParameters Btc(decimal maker = 0.0001m, decimal taker = 0.0005m, decimal band = 0.05m, bool halted = false) =>
        Market("BTC-PERP", maker, taker, band, halted);

    private static MarketParameters Market(string market, decimal maker = 0.0001m, decimal taker = 0.0005m, decimal band = 0.05m, bool halted = false) => new(
        market,
        [new MarginTier(1_000_000m, 0.02m, 0.012m), new MarginTier(null, 0.2m, 0.12m)],
        band, maker, taker, 0.006m, 3600, halted);

    /// <summary>Versions per set in the order given (0, 1, … within each set).</summary>
    private static ParameterBook Registry(params (DateTimeOffset Effective, MarketParameters Parameters)[] versions)
    {
        var book = ParameterBook.Empty;
        foreach (var (effective, parameters) in versions)
        {
            var version = book.VersionOf(parameters.SetId) + 1;
            book = book.Apply(version, new ParametersChanged(parameters.SetId, parameters, effective, effective, $"p{version}",
                version == 0 ? ChangeCause.Genesis : ChangeCause.Proposal, []));
        }
        return book;
    }

    private static Clearing.Contracts.Governance.V1.ParamsChanged Message(long version, DateTimeOffset effective, MarketParameters parameters) =>
        ParamsContract.ToProto(version, new ParametersChanged(parameters.SetId, parameters, effective, effective, $"p{version}",
            version == 0 ? ChangeCause.Genesis : ChangeCause.Proposal, []));

    /// <summary>The registry as a plain fold; <see cref="Refuse"/> makes any question fail (a replay must not ask).</summary>
    private sealed class RegistryGovernance(ParameterBook registry) : IMarketGovernance
    {
        public bool Refuse { get; set; }

        public List<ParamsInput> Applied { get; } = [];

        public ParameterVersion? At(string market, DateTimeOffset time) =>
            Refuse ? throw new InvalidOperationException("the registry was asked during a replay") : registry.At(ParameterSets.MarketSet(market), time);

        void IMarketGovernance.Applied(string market, ParamsInput input) => Applied.Add(input);
    }

    private sealed class CapturingLogger<T> : ILogger<T>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
