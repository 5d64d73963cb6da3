using Clearing.Governance.Domain.Json;
using Clearing.Parameters;

namespace Clearing.Governance.Tests;

public sealed class RegistryReplayTests
{
    /// <summary>
    /// A run with changes executed at different times, one with a future effective time: the book kept live and the
    /// book rebuilt from the stored stream (and from the public messages) agree at every instant — every second
    /// across the run and one tick either side of every effective time.
    /// </summary>
    [Fact]
    public void replaying_the_registry_stream_gives_the_same_parameters_at_every_point_in_time()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        var liveAnswers = new Dictionary<DateTimeOffset, string>();
        var probes = new List<DateTimeOffset>();

        void Observe()
        {
            // What a live consumer would have used right now.
            liveAnswers[world.Now] = Canonical(world.Book.At("market-BTC-PERP", world.Now))!;
            probes.Add(world.Now);
        }

        Observe();
        world.Enact(world.Draft("raise-1", Raise(world.BtcPerp, 0.001m)));
        Observe();
        world.Enact(world.Draft("band", world.BtcPerp with { PriceBandFraction = 0.04m }, effectiveAt: world.Now.AddHours(3)));
        Observe();
        world.Now = world.Now.AddMinutes(30);
        world.Enact(world.Draft("emergency", Raise(world.BtcPerp, 0.002m), Domain.Proposals.ProposalKind.Emergency));
        Observe();
        world.Now = world.Now.AddHours(5);
        world.Enact(world.Draft("lower", Raise(world.BtcPerp, -0.001m)));
        Observe();

        var stored = ParameterBook.Empty;
        var published = ParameterBook.Empty;
        foreach (var (version, change) in world.Log)
        {
            stored = stored.Apply(version, change);
            published = published.Apply(ParamsContract.ToProto(version, change));
        }

        var effectiveTimes = world.Log.Select(l => l.Change.EffectiveAt).Where(t => t > DateTimeOffset.UnixEpoch).ToList();
        effectiveTimes.ShouldBe(effectiveTimes.Order().ToList(), "effective times never go backwards");
        var instants = Enumerable.Range(0, (int)(world.Now - GovernanceWorld.Start).TotalMinutes + 2).Select(m => GovernanceWorld.Start.AddMinutes(m))
            .Concat(effectiveTimes.SelectMany(t => new[] { t.AddTicks(-1), t, t.AddTicks(1) }))
            .Concat(probes);
        foreach (var instant in instants)
        {
            foreach (var set in world.Book.SetIds)
            {
                var live = Canonical(world.Book.At(set, instant));
                Canonical(stored.At(set, instant)).ShouldBe(live, $"{set} at {instant:O}");
                Canonical(published.At(set, instant)).ShouldBe(live, $"{set} at {instant:O} from the public messages");
            }
        }

        foreach (var (time, answer) in liveAnswers)
        {
            Canonical(stored.At("market-BTC-PERP", time)).ShouldBe(answer, $"what was in force at {time:O}");
        }

        // The future-dated band change was in force only from its effective time.
        var bandAt = world.Log.Single(l => l.Change.ProposalId == "band").Change.EffectiveAt;
        stored.Market("BTC-PERP", bandAt.AddTicks(-1))!.PriceBandFraction.ShouldBe(0.05m);
        stored.Market("BTC-PERP", bandAt)!.PriceBandFraction.ShouldBe(0.04m);
    }

    [Fact]
    public void a_change_never_takes_effect_before_the_previous_one()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        world.Enact(world.Draft("later", world.BtcPerp with { PriceBandFraction = 0.04m }, effectiveAt: world.Now.AddDays(2)));
        var laterAt = world.Book.History("market-BTC-PERP")!.Latest.EffectiveAt;

        world.Enact(world.Draft("raise", Raise(world.BtcPerp, 0.001m)));

        world.Book.History("market-BTC-PERP")!.Latest.EffectiveAt.ShouldBe(laterAt);
    }

    [Fact]
    public void the_book_skips_repeats_and_refuses_gaps()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        world.Enact(world.Draft("raise", Raise(world.BtcPerp, 0.001m)));
        var messages = world.Log.Select(l => ParamsContract.ToProto(l.Version, l.Change)).ToList();
        var book = messages.Aggregate(ParameterBook.Empty, (b, m) => b.Apply(m));

        var again = messages.Aggregate(book, (b, m) => b.Apply(m));
        again.VersionOf("market-BTC-PERP").ShouldBe(1);

        var gap = messages.Single(m => m.SetId == "market-BTC-PERP" && m.Version == 1).Clone();
        gap.Version = 3;
        Should.Throw<ParameterSequenceException>(() => book.Apply(gap)).Message.ShouldBe("params-market-BTC-PERP: version 3 arrived when version 2 was expected");
    }

    [Fact]
    public void margin_requirement_charges_each_slice_at_its_bracket()
    {
        var market = GovernanceWorld.Create().BtcPerp;

        market.Requirement(2_000_000m).ShouldBe((1_000_000m * 0.02m + 1_000_000m * 0.05m, 1_000_000m * 0.012m + 1_000_000m * 0.03m));
        market.Requirement(-500m).ShouldBe((10m, 6m));
    }

    private static MarketParameters Raise(MarketParameters market, decimal by) =>
        market with { MarginTiers = market.MarginTiers.Select(t => t with { MaintenanceMarginFraction = t.MaintenanceMarginFraction + by }).ToList() };

    private static string? Canonical(ParameterVersion? version) => version is null ? null : $"{version.Version}:{GovernanceJson.CanonicalOf(version.Parameters)}";
}
