using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Integration;
using Clearing.Liquidation.Tests.Support;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Microsoft.Extensions.Logging.Abstractions;
using static Clearing.Liquidation.Tests.Support.Given;
using ParamsChanged = Clearing.Contracts.Governance.V1.ParamsChanged;

namespace Clearing.Liquidation.Tests.Host;

/// <summary>
/// Governance → liquidation (LiquidationParametersGateway): the "insurance" set's liquidation fee fraction and payout
/// caps apply from the first input whose time is at or after the version's effective time — a fill's time for its fee,
/// the clock step's time for the fund's caps — and the configuration applies before, and while no version is in force.
/// </summary>
public sealed class GovernedLiquidationTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Effective = T0.AddSeconds(10);

    [Fact]
    public void the_rules_in_force_switch_at_the_effective_time_and_keep_the_configuration_before()
    {
        var configured = Rules();
        var registry = ParameterBook.Empty
            .Apply(Message(0, Effective, fee: 0.005m, perEvent: 300m, perDay: 2_000m))
            .Apply(Message(1, Effective.AddHours(1), fee: 0.0075m, perEvent: 400m, perDay: 2_000m));

        registry.Insurance(Effective.AddTicks(-1)).ShouldBeNull();
        var first = LiquidationParametersGateway.Apply(configured, registry.Insurance(Effective)!);
        var second = LiquidationParametersGateway.Apply(configured, registry.Insurance(Effective.AddHours(1))!);

        first.For("BTC-PERP").LiquidationFeeRate.ShouldBe(0.005m);
        first.FundLimits.ShouldBe(new FundPayoutLimits(300m, 2_000m));
        second.For("BTC-PERP").LiquidationFeeRate.ShouldBe(0.0075m);
        second.FundLimits.MaxPayoutPerEvent.ShouldBe(400m);
        first.For("BTC-PERP").FundPayoutCap.ShouldBe(configured.For("BTC-PERP").FundPayoutCap);
    }

    [Fact]
    public async Task the_governed_fee_applies_from_the_first_fill_at_its_effective_time_and_not_before()
    {
        await using var harness = new EngineHarness(Rules());
        var (feed, gateway) = await GovernedAsync(harness);
        await feed.ApplyAsync(Message(0, Effective, fee: 0.005m, perEvent: 1_000_000m, perDay: 5_000_000m), None);
        var engine = harness.Restart(gateway.RulesAt);
        await engine.HandleRiskAsync(Risk(source: new("account-acct-1", 1)), None);
        var slice = (await harness.AllEventsAsync()).Select(e => e.Event).OfType<SlicePlaced>().Single();

        // Each fill 0.1 BTC at 45 500 (notional 4 550, room to the 45 000 bankruptcy price 50): 1% is 45.5, 0.5% is 22.75.
        await engine.HandleFillAsync(Fill(slice.OrderId, 9, Effective.AddTicks(-1)), None);
        await engine.HandleFillAsync(Fill(slice.OrderId, 10, Effective), None);

        var fees = (await harness.AllEventsAsync()).Select(e => e.Event).OfType<SliceFilled>().Select(f => (f.At, f.LiquidationFee)).ToList();
        fees.ShouldBe([(Effective.AddTicks(-1), 45.5m), (Effective, 22.75m)]);
        (await engine.LoadFundAsync(None)).State.TotalFees.ShouldBe(68.25m);
        feed.LateArrivals.ShouldBe(0);
    }

    [Theory]
    [InlineData(0, 300)]       // in force at the clock step: the per-event cap holds the fund to 300, ADL takes the rest
    [InlineData(1, 1_000)]     // in force one tick after it: the configuration (no per-event cap) applies
    public async Task the_governed_payout_cap_applies_from_the_first_clock_step_at_its_effective_time(int ticksAfterStep, int expectedFundPayout)
    {
        await using var harness = new EngineHarness(Rules());
        var (feed, gateway) = await GovernedAsync(harness);
        var step = T0.AddSeconds(6);
        await feed.ApplyAsync(Message(0, step.AddTicks(ticksAfterStep), fee: 0.01m, perEvent: 300m, perDay: 5_000m), None);
        var engine = harness.Restart(gateway.RulesAt);
        await engine.DepositAsync("seed", 10_000m, "ops-alice", "seed the fund", None);
        await engine.HandleFillAsync(new FillInput("BTC-PERP", "f1", "acct-2", "acct-1", false, 1m, 50_000m, T0, [], new("book-BTC-PERP", 1)), None);
        await engine.HandleRiskAsync(Risk("acct-2", RiskKind.HealthChanged, size: -1m, equity: 20_000m, source: new("account-acct-2", 1)), None);
        await engine.HandleRiskAsync(Risk(kind: RiskKind.Bankrupt, mark: 44_000m, bankruptcy: 45_000m, equity: -1_000m, source: new("account-acct-1", 1)), None);

        await engine.TickAsync(step, None);   // the slice had no answer for 5 s: the fund, then ADL

        var events = (await harness.AllEventsAsync()).Where(e => e.Stream == "liquidation-acct-1").Select(e => e.Event).ToList();
        events.OfType<TransferredToFund>().Single().LossCovered.ShouldBe(expectedFundPayout);
        events.OfType<AdlExecuted>().Sum(a => a.LossAbsorbed).ShouldBe(1_000m - expectedFundPayout);
        events.OfType<LiquidationCompleted>().Single().UncoveredLoss.ShouldBe(0m);
    }

    [Fact]
    public async Task a_restarted_liquidation_service_applies_the_stored_version_without_the_topic()
    {
        await using var harness = new EngineHarness(Rules());
        var (first, _) = await GovernedAsync(harness);
        await first.ApplyAsync(Message(0, Effective, fee: 0.005m, perEvent: 1_000_000m, perDay: 5_000_000m), None);

        // The restart: a new feed folded from the same store; nothing arrives on the topic.
        var (_, gateway) = await GovernedAsync(harness);
        var engine = harness.Restart(gateway.RulesAt);
        await engine.HandleRiskAsync(Risk(source: new("account-acct-1", 1)), None);
        var slice = (await harness.AllEventsAsync()).Select(e => e.Event).OfType<SlicePlaced>().Single();
        await engine.HandleFillAsync(Fill(slice.OrderId, 10, Effective.AddSeconds(1)), None);

        (await harness.AllEventsAsync()).Select(e => e.Event).OfType<SliceFilled>().Single().LiquidationFee.ShouldBe(22.75m);
    }

    private static async Task<(ParameterFeed Feed, LiquidationParametersGateway Gateway)> GovernedAsync(EngineHarness harness)
    {
        var feed = new ParameterFeed(harness.Store, NullLogger<ParameterFeed>.Instance);
        await feed.LoadAsync(None);
        return (feed, new LiquidationParametersGateway(feed, Rules(), NullLogger<LiquidationParametersGateway>.Instance));
    }

    private static FillInput Fill(string orderId, long sequence, DateTimeOffset at) =>
        new("BTC-PERP", $"BTC-PERP:{sequence}", "acct-1", "mm-1", false, 0.1m, 45_500m, at, [("acct-1", orderId)], new("book-BTC-PERP", sequence));

    private static ParamsChanged Message(long version, DateTimeOffset effectiveAt, decimal fee, decimal perEvent, decimal perDay)
    {
        var parameters = new InsuranceParameters(perEvent, perDay, fee);
        return ParamsContract.ToProto(version, new ParametersChanged(parameters.SetId, parameters, effectiveAt, T0.AddHours(-1),
            version == 0 ? "genesis" : $"insurance-{version}", version == 0 ? ChangeCause.Genesis : ChangeCause.Proposal, []));
    }
}
