using Clearing.EventSourcing.Sqlite;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Microsoft.Extensions.Logging.Abstractions;
using ParamsChanged = Clearing.Contracts.Governance.V1.ParamsChanged;
using DomainMarket = Clearing.Parameters.MarketParameters;
using DomainTier = Clearing.Parameters.MarginTier;

namespace Clearing.Governance.Tests.Parameters;

/// <summary>
/// The consumer side of clearing.governance.params.v1 (shared/Clearing.Parameters): what a service holds, on a real
/// SQLite event store, fed the public messages the governance relay publishes.
/// </summary>
public sealed class ParameterFeedTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Genesis = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Raised = Genesis.AddMinutes(10);
    private static readonly DateTimeOffset RaisedAgain = Genesis.AddMinutes(25);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "params-feed-" + Guid.NewGuid().ToString("N"));

    public ParameterFeedTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task a_change_is_in_force_from_its_effective_time_and_not_one_tick_before()
    {
        await using var store = Store();
        var feed = await LoadedFeed(store);
        await feed.ApplyAsync(Message(0, Genesis, 0.012m), CancellationToken.None);
        await feed.ApplyAsync(Message(1, Raised, 0.015m, executedAt: Genesis.AddMinutes(1)), CancellationToken.None);

        feed.At("market-BTC-PERP", Genesis.AddTicks(-1)).ShouldBeNull();
        Maintenance(feed.At("market-BTC-PERP", Genesis)).ShouldBe(0.012m);
        Maintenance(feed.At("market-BTC-PERP", Raised.AddTicks(-1))).ShouldBe(0.012m);
        Maintenance(feed.At("market-BTC-PERP", Raised)).ShouldBe(0.015m);
        Maintenance(feed.At("market-BTC-PERP", Raised.AddDays(1))).ShouldBe(0.015m);
        feed.At("market-ETH-PERP", Raised).ShouldBeNull();
        feed.LateArrivals.ShouldBe(0);
    }

    [Fact]
    public async Task a_redelivered_version_is_skipped_and_a_version_after_a_gap_is_refused_without_storing_it()
    {
        await using var store = Store();
        var feed = await LoadedFeed(store);

        (await feed.ApplyAsync(Message(0, Genesis, 0.012m), CancellationToken.None)).ShouldBeTrue();
        (await feed.ApplyAsync(Message(0, Genesis, 0.012m), CancellationToken.None)).ShouldBeFalse();
        var gap = await Should.ThrowAsync<ParameterSequenceException>(() => feed.ApplyAsync(Message(2, RaisedAgain, 0.02m), CancellationToken.None));

        gap.Message.ShouldContain("version 2 arrived when version 1 was expected");
        (await store.GetStreamVersionAsync("params-market-BTC-PERP")).ShouldBe(0);
        feed.Book.VersionOf("market-BTC-PERP").ShouldBe(0);
    }

    [Fact]
    public async Task a_version_whose_effective_time_was_already_passed_by_an_input_is_counted_as_late()
    {
        await using var store = Store();
        var feed = await LoadedFeed(store);
        await feed.ApplyAsync(Message(0, Genesis, 0.012m), CancellationToken.None);
        feed.Observe(Raised.AddSeconds(5));

        await feed.ApplyAsync(Message(1, Raised, 0.015m), CancellationToken.None);

        feed.LateArrivals.ShouldBe(1);
    }

    /// <summary>
    /// A service restarted mid-run: the first process stores what it consumed, stops; the second folds its store and,
    /// before the topic delivers anything, answers exactly what the first did at every instant. The topic then
    /// redelivers from the start (a new consumer, a republishing relay): nothing changes, and the next version applies.
    /// </summary>
    [Fact]
    public async Task a_restarted_service_picks_up_the_parameters_in_force_from_its_store()
    {
        var probes = Probes();
        Dictionary<DateTimeOffset, decimal?> before;
        await using (var store = Store())
        {
            var first = await LoadedFeed(store);
            await first.ApplyAsync(Message(0, Genesis, 0.012m), CancellationToken.None);
            await first.ApplyAsync(Message(1, Raised, 0.015m), CancellationToken.None);
            before = probes.ToDictionary(t => t, t => Maintenance(first.At("market-BTC-PERP", t)));
        }

        await using var reopened = Store();
        var second = await LoadedFeed(reopened);

        probes.ToDictionary(t => t, t => Maintenance(second.At("market-BTC-PERP", t))).ShouldBe(before);
        (await second.ApplyAsync(Message(0, Genesis, 0.012m), CancellationToken.None)).ShouldBeFalse();
        (await second.ApplyAsync(Message(1, Raised, 0.015m), CancellationToken.None)).ShouldBeFalse();
        (await second.ApplyAsync(Message(2, RaisedAgain, 0.02m), CancellationToken.None)).ShouldBeTrue();
        Maintenance(second.At("market-BTC-PERP", RaisedAgain)).ShouldBe(0.02m);
        Maintenance(second.At("market-BTC-PERP", RaisedAgain.AddTicks(-1))).ShouldBe(0.015m);
    }

    /// <summary>
    /// Live, each input asks for the parameters as the versions arrive between inputs; a replay folds the whole store
    /// first and asks again for every input: the answers agree at every point (each input time, one tick either side of
    /// every effective time).
    /// </summary>
    [Fact]
    public async Task replaying_the_stored_parameters_gives_the_same_parameters_at_every_input()
    {
        await using var store = Store();
        var live = await LoadedFeed(store);
        var messages = new Queue<ParamsChanged>([Message(0, Genesis, 0.012m), Message(1, Raised, 0.015m), Message(2, RaisedAgain, 0.02m)]);
        var answers = new List<(DateTimeOffset Input, long? Version)>();
        foreach (var input in Probes())
        {
            // A version is delivered (ahead of its effective time) before the first input that needs it.
            while (messages.TryPeek(out var next) && ParameterTime.FromUnixNanos(next.EffectiveAtUnixNanos) <= input.AddMinutes(5))
            {
                await live.ApplyAsync(messages.Dequeue(), CancellationToken.None);
            }

            answers.Add((input, live.At("market-BTC-PERP", input)?.Version));
        }

        var replay = await LoadedFeed(store);

        answers.Select(a => (a.Input, replay.At("market-BTC-PERP", a.Input)?.Version)).ShouldBe(answers);
        answers.Where(a => a.Version == 1).Min(a => a.Input).ShouldBe(Raised);
        live.LateArrivals.ShouldBe(0);
    }

    [Fact]
    public async Task a_message_whose_parameters_name_another_set_is_refused_with_the_field()
    {
        await using var store = Store();
        var feed = await LoadedFeed(store);
        var message = Message(0, Genesis, 0.012m);
        message.SetId = "market-ETH-PERP";

        var refusal = await Should.ThrowAsync<ParamsContractException>(() => feed.ApplyAsync(message, CancellationToken.None));

        refusal.Message.ShouldContain("set_id 'market-ETH-PERP' does not match its parameters ('market-BTC-PERP')");
    }

    internal static ParamsChanged Message(long version, DateTimeOffset effectiveAt, decimal firstTierMaintenance, DateTimeOffset? executedAt = null)
    {
        var parameters = new DomainMarket(
            "BTC-PERP",
            [
                new DomainTier(1_000_000m, 0.02m, firstTierMaintenance),
                new DomainTier(5_000_000m, 0.05m, 0.03m),
                new DomainTier(20_000_000m, 0.1m, 0.06m),
                new DomainTier(null, 0.2m, 0.12m),
            ],
            0.05m, 0.0001m, 0.0005m, 0.006m, 3600, Halted: false);
        return ParamsContract.ToProto(version, new ParametersChanged(
            parameters.SetId, parameters, effectiveAt, executedAt ?? effectiveAt, version == 0 ? "genesis" : $"raise-{version}",
            version == 0 ? ChangeCause.Genesis : ChangeCause.Proposal, []));
    }

    private static decimal? Maintenance(ParameterVersion? version) => (version?.Parameters as DomainMarket)?.MarginTiers[0].MaintenanceMarginFraction;

    private static List<DateTimeOffset> Probes()
    {
        var probes = new List<DateTimeOffset>();
        for (var t = Genesis.AddMinutes(-1); t <= Genesis.AddMinutes(30); t = t.AddSeconds(30))
        {
            probes.Add(t);
        }

        probes.AddRange([Genesis.AddTicks(-1), Raised.AddTicks(-1), Raised.AddTicks(1), RaisedAgain.AddTicks(-1), RaisedAgain.AddTicks(1)]);
        return probes.Distinct().Order().ToList();
    }

    private static async Task<ParameterFeed> LoadedFeed(SqliteEventStore store)
    {
        var feed = new ParameterFeed(store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(CancellationToken.None);
        return feed;
    }

    private SqliteEventStore Store() => new(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; a temp directory left behind is harmless.
        }

        return ValueTask.CompletedTask;
    }
}
