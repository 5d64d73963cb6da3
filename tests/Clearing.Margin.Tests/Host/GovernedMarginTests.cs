using Clearing.Contracts;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Integration;
using Clearing.Margin.Options;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.Primitives.Markets;
using Microsoft.Extensions.Logging.Abstractions;
using GovernedMarket = Clearing.Parameters.MarketParameters;
using GovernedTier = Clearing.Parameters.MarginTier;
using ParamsChanged = Clearing.Contracts.Governance.V1.ParamsChanged;

namespace Clearing.Margin.Tests.Host;

/// <summary>
/// Governance → margin (MarginParametersGateway): a BTC-PERP maintenance raise published on
/// clearing.governance.params.v1 changes account health at the first price update at or after its effective time —
/// visible in the risk events the outbox publishes — and at none before.
/// </summary>
public sealed class GovernedMarginTests
{
    // Price update n is stamped T0 + n seconds (MarginHostHarness): the raise takes effect with update 10.
    private static readonly DateTimeOffset Effective = MarginHostHarness.T0.AddSeconds(10);

    [Fact]
    public void the_parameters_in_force_switch_at_the_effective_time_and_keep_the_configuration_elsewhere()
    {
        var registry = ParameterBook.Empty
            .Apply(Message(0, MarginHostHarness.T0.AddHours(-1), 0.012m))
            .Apply(Message(1, Effective, 0.015m));
        var configured = new MarginOptions().ToParameters();

        var (before, beforeKey) = MarginParametersGateway.At(registry, configured, MarketCatalog.EmbeddedDefaults, Effective.AddTicks(-1));
        var (after, afterKey) = MarginParametersGateway.At(registry, configured, MarketCatalog.EmbeddedDefaults, Effective);
        var (none, noneKey) = MarginParametersGateway.At(registry, configured, MarketCatalog.EmbeddedDefaults, MarginHostHarness.T0.AddHours(-2));

        beforeKey.ShouldBe("market-BTC-PERP@0");
        afterKey.ShouldBe("market-BTC-PERP@1");
        before.ScheduleFor("BTC-PERP", "BTC").Requirement(100_000m).Maintenance.ShouldBe(1_200m);
        after.ScheduleFor("BTC-PERP", "BTC").Requirement(100_000m).Maintenance.ShouldBe(1_500m);
        after.ScheduleFor("BTC-PERP", "BTC").Requirement(2_000_000m).Maintenance.ShouldBe(15_000m + 30_000m);
        after.ScheduleFor("ETH-PERP", "ETH").ShouldBe(configured.ScheduleFor("ETH-PERP", "ETH"));
        after.Collateral.ShouldBe(configured.Collateral);
        noneKey.ShouldBe("");
        none.ShouldBeSameAs(configured);
    }

    [Fact]
    public async Task a_maintenance_raise_changes_health_at_the_first_price_update_at_its_effective_time_and_not_before()
    {
        await using var host = new MarginHostHarness();
        var feed = new ParameterFeed(host.Store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(CancellationToken.None);
        var gateway = new MarginParametersGateway(feed, Microsoft.Extensions.Options.Options.Create(new MarginOptions()), host.Book, NullLogger<MarginParametersGateway>.Instance);
        var prices = gateway.Before(host.PricesIn.HandleAsync);
        await host.DepositAsync("alice", 1_700m);
        await host.DepositAsync("bob", 100_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);
        await feed.ApplyAsync(Message(0, MarginHostHarness.T0.AddHours(-1), 0.012m), CancellationToken.None);
        // Executed well before it takes effect: the raise is known from update 2 on, and waits for its time.
        await feed.ApplyAsync(Message(1, Effective, 0.015m), CancellationToken.None);

        for (var sequence = 1; sequence <= 12; sequence++)
        {
            await prices(MarginHostHarness.Message(Price(sequence), "oracle-BTC", sequence), CancellationToken.None);
            if (sequence == 9)
            {
                // Health 1700 / 1200 = 1.42 under the genesis fraction: healthy, nothing to say.
                RiskEvents(await host.AllAsync()).ShouldBeEmpty();
                gateway.InForce.ShouldBe("market-BTC-PERP@0");
            }
        }

        var risk = RiskEvents(await host.AllAsync());
        risk.ShouldNotBeEmpty();
        risk.ShouldAllBe(e => e.AccountId == "alice" && e.Risk.TriggerPriceSequence == 10);
        var changed = risk.First(e => e.EventCase == RiskEvent.EventOneofCase.HealthChanged);
        changed.HealthChanged.From.ShouldBe(Clearing.Contracts.Margin.V1.HealthBand.Healthy);
        changed.HealthChanged.To.ShouldBe(Clearing.Contracts.Margin.V1.HealthBand.Warning);
        // 1 BTC at 100,000 under the raised 1.5%: maintenance 1,500, health 1700 / 1500.
        changed.Risk.MaintenanceRequirement.ShouldBe("1500");
        changed.Risk.Equity.ShouldBe("1700");
        gateway.InForce.ShouldBe("market-BTC-PERP@1");
        feed.LateArrivals.ShouldBe(0);
    }

    [Fact]
    public async Task a_restarted_margin_service_applies_the_stored_raise_without_the_topic()
    {
        await using var host = new MarginHostHarness();
        var first = new ParameterFeed(host.Store, NullLogger<ParameterFeed>.Instance);
        await first.LoadAsync(CancellationToken.None);
        await first.ApplyAsync(Message(0, MarginHostHarness.T0.AddHours(-1), 0.012m), CancellationToken.None);
        await first.ApplyAsync(Message(1, Effective, 0.015m), CancellationToken.None);
        await host.DepositAsync("alice", 1_700m);
        await host.DepositAsync("bob", 100_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);

        // The restart: a new book and a new feed over the same store; nothing arrives on the topic.
        var book = host.NewBook();
        await book.LoadAllAsync(CancellationToken.None);
        var restarted = new ParameterFeed(host.Store, NullLogger<ParameterFeed>.Instance);
        await restarted.LoadAsync(CancellationToken.None);
        var gateway = new MarginParametersGateway(restarted, Microsoft.Extensions.Options.Options.Create(new MarginOptions()), book, NullLogger<MarginParametersGateway>.Instance);
        var prices = gateway.Before(new OraclePriceGateway(book, NullLogger<OraclePriceGateway>.Instance).HandleAsync);

        await prices(MarginHostHarness.Message(Price(11), "oracle-BTC", 11), CancellationToken.None);

        gateway.InForce.ShouldBe("market-BTC-PERP@1");
        var changed = RiskEvents(await host.AllAsync()).First(e => e.EventCase == RiskEvent.EventOneofCase.HealthChanged);
        changed.Risk.MaintenanceRequirement.ShouldBe("1500");
        changed.Risk.TriggerPriceSequence.ShouldBe(11);
    }

    private static List<RiskEvent> RiskEvents(IEnumerable<Clearing.EventSourcing.RecordedEvent> all)
    {
        var translator = new MarginOutboxTranslator();
        return all.Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>()
            .Where(m => m.Topic == Topics.MarginRisk)
            .Select(m => RiskEvent.Parser.ParseFrom(m.Payload))
            .ToList();
    }

    private static PriceUpdate Price(long sequence)
    {
        var update = new PriceUpdate
        {
            Asset = "BTC",
            Sequence = sequence,
            TimeUnixNanos = ContractText.UnixNanos(MarginHostHarness.T0.AddSeconds(sequence)),
            Status = PriceStatus.Ok,
            IndexPrice = "100000",
        };
        update.Marks.Add(new MarkPrice { Market = "BTC-PERP", MarkPrice_ = "100000" });
        return update;
    }

    private static ParamsChanged Message(long version, DateTimeOffset effectiveAt, decimal firstTierMaintenance)
    {
        var parameters = new GovernedMarket(
            "BTC-PERP",
            [
                new GovernedTier(1_000_000m, 0.02m, firstTierMaintenance),
                new GovernedTier(5_000_000m, 0.05m, 0.03m),
                new GovernedTier(20_000_000m, 0.1m, 0.06m),
                new GovernedTier(null, 0.2m, 0.12m),
            ],
            0.05m, 0.0001m, 0.0005m, 0.006m, 3600, Halted: false);
        return ParamsContract.ToProto(version, new ParametersChanged(parameters.SetId, parameters, effectiveAt, MarginHostHarness.T0,
            version == 0 ? "genesis" : "raise-btc-maintenance", version == 0 ? ChangeCause.Genesis : ChangeCause.Proposal, []));
    }
}
