using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Tests.Support;
using Clearing.Messaging.Kafka.Inbox;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Host;

public sealed class EngineTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task a_duplicate_risk_event_does_not_start_a_second_liquidation()
    {
        await using var harness = new EngineHarness(Rules());
        var risk = Risk(source: new("account-acct-1", 4));

        (await harness.Engine.HandleRiskAsync(risk, None)).ShouldBe(InboxOutcome.Applied);
        (await harness.Engine.HandleRiskAsync(risk, None)).ShouldBe(InboxOutcome.Skipped);
        harness.Restart();
        (await harness.Engine.HandleRiskAsync(risk, None)).ShouldBe(InboxOutcome.Skipped);
        // A newer event about the same trouble refreshes the running liquidation instead of starting another.
        (await harness.Engine.HandleRiskAsync(risk with { Source = new("account-acct-1", 5) }, None)).ShouldBe(InboxOutcome.Applied);

        var events = (await harness.AllEventsAsync()).Where(e => e.Stream == "liquidation-acct-1").Select(e => e.Event).ToList();
        events.OfType<LiquidationStarted>().Count().ShouldBe(1);
        events.OfType<SlicePlaced>().Count().ShouldBe(1);
        events.OfType<LiquidationRiskRefreshed>().Count().ShouldBe(1);
        (await harness.Engine.LoadAccountAsync("acct-1", None)).State.Liquidations.ShouldBe(1);
    }

    [Fact]
    public async Task fills_of_a_slice_are_matched_by_order_id_and_a_repeated_fill_counts_once()
    {
        await using var harness = new EngineHarness(Rules());
        await harness.Engine.HandleRiskAsync(Risk(source: new("account-acct-1", 1)), None);
        var slice = (await harness.AllEventsAsync()).Select(e => e.Event).OfType<SlicePlaced>().Single();
        var fill = new FillInput("BTC-PERP", "BTC-PERP:9", "acct-1", "mm-1", false, 0.2m, 45_500m, T0, [("acct-1", slice.OrderId)], new("book-BTC-PERP", 9));

        await harness.Engine.HandleFillAsync(fill, None);
        await harness.Engine.HandleFillAsync(fill, None);

        var events = (await harness.AllEventsAsync()).Select(e => e.Event).ToList();
        var filled = events.OfType<SliceFilled>().Single();
        filled.LiquidationFee.ShouldBe(91m);   // 1% of 9 100
        var fund = (await harness.Engine.LoadFundAsync(None)).State;
        fund.Balance.ShouldBe(91m);
        (await harness.Engine.LoadPositionsAsync("BTC-PERP", None)).State.Positions["mm-1"].Size.ShouldBe(0.2m);
    }

    [Fact]
    public async Task with_no_answer_from_the_book_the_clock_hands_the_position_to_the_fund_and_then_to_adl()
    {
        await using var harness = new EngineHarness(Rules());
        await harness.Engine.DepositAsync("seed", 300m, "ops-alice", "seed the fund", None);
        // Two profitable shorts, known from matching's fills and margin's risk events.
        await harness.Engine.HandleFillAsync(new FillInput("BTC-PERP", "f1", "acct-2", "acct-1", false, 0.2m, 50_000m, T0, [], new("book-BTC-PERP", 1)), None);
        await harness.Engine.HandleFillAsync(new FillInput("BTC-PERP", "f2", "acct-3", "acct-1", false, 0.8m, 45_000m, T0, [], new("book-BTC-PERP", 2)), None);
        await harness.Engine.HandleRiskAsync(Risk("acct-2", RiskKind.HealthChanged, size: -0.2m, equity: 2_000m, source: new("account-acct-2", 1)), None);
        await harness.Engine.HandleRiskAsync(Risk("acct-3", RiskKind.HealthChanged, size: -0.8m, equity: 44_000m, source: new("account-acct-3", 1)), None);

        await harness.Engine.HandleRiskAsync(Risk(kind: RiskKind.Bankrupt, mark: 44_000m, bankruptcy: 45_000m, equity: -1_000m, source: new("account-acct-1", 1)), None);
        (await harness.Engine.TickAsync(T0.AddSeconds(1), None)).ShouldBe(0);
        await harness.Engine.TickAsync(T0.AddSeconds(6), None);

        var events = (await harness.AllEventsAsync()).Where(e => e.Stream == "liquidation-acct-1").Select(e => e.Event).ToList();
        events.OfType<SliceEnded>().Single().Reason.ShouldBe("no-answer-from-matching");
        events.OfType<TransferredToFund>().Single().Size.ShouldBe(0.3m);
        events.OfType<AdlExecuted>().Select(a => (a.CounterpartyAccountId, a.Size)).ShouldBe([("acct-2", 0.2m), ("acct-3", 0.5m)]);
        events.OfType<LiquidationCompleted>().Single().UncoveredLoss.ShouldBe(0m);
        var fund = (await harness.Engine.LoadFundAsync(None)).State;
        fund.Balance.ShouldBe(0m);
        fund.WithdrawalsPaused.ShouldBeFalse();
        var positions = (await harness.Engine.LoadPositionsAsync("BTC-PERP", None)).State;
        positions.Positions.ContainsKey("acct-2").ShouldBeFalse();
        positions.Positions["acct-3"].Size.ShouldBe(-0.3m);
        positions.Positions.ContainsKey("acct-1").ShouldBeFalse();
        positions.Positions[LiquidationProcess.FundAccountId].Size.ShouldBe(0.3m);
        (await harness.Engine.ActiveAccountsAsync(None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task replaying_the_streams_rebuilds_the_same_state_and_applies_nothing_twice()
    {
        await using var harness = new EngineHarness(Rules());
        await harness.Engine.DepositAsync("seed", 1_000m, "ops-alice", "seed", None);
        await harness.Engine.HandleRiskAsync(Risk(kind: RiskKind.Bankrupt, mark: 44_000m, bankruptcy: 45_000m, equity: -1_000m, source: new("account-acct-1", 1)), None);
        await harness.Engine.TickAsync(T0.AddSeconds(10), None);
        var fundBefore = (await harness.Engine.LoadFundAsync(None)).State;
        var accountBefore = (await harness.Engine.LoadAccountAsync("acct-1", None)).State;
        var countBefore = (await harness.AllEventsAsync()).Count;

        var engine = harness.Restart();
        await engine.TickAsync(T0.AddSeconds(20), None);   // catches up from the stored liquidation streams first

        (await harness.AllEventsAsync()).Count.ShouldBe(countBefore);
        var fundAfter = (await engine.LoadFundAsync(None)).State;
        fundAfter.Balance.ShouldBe(fundBefore.Balance);
        fundAfter.Inbox.ShouldBe(fundBefore.Inbox);
        var accountAfter = (await engine.LoadAccountAsync("acct-1", None)).State;
        accountAfter.Inbox.ShouldBe(accountBefore.Inbox);
        accountAfter.Liquidations.ShouldBe(accountBefore.Liquidations);

        // Folding the stored events from nothing gives the same fund.
        var folded = (await harness.AllEventsAsync()).Where(e => e.Stream == "insurance-fund").Select(e => e.Event).Aggregate(new InsuranceFundState(), InsuranceFund.Evolve);
        folded.Balance.ShouldBe(fundAfter.Balance);
        folded.TotalPaidOut.ShouldBe(fundAfter.TotalPaidOut);
        var account = (await harness.AllEventsAsync()).Where(e => e.Stream == "liquidation-acct-1").Select(e => e.Event).Aggregate(LiquidationAccount.Empty("acct-1"), LiquidationProcess.Evolve);
        account.ShouldBe(accountAfter);
    }

    [Fact]
    public async Task effects_a_crash_left_unapplied_to_the_fund_are_applied_at_restart()
    {
        await using var harness = new EngineHarness(Rules());
        await harness.Engine.HandleRiskAsync(Risk(source: new("account-acct-1", 1)), None);
        var slice = (await harness.AllEventsAsync()).Select(e => e.Event).OfType<SlicePlaced>().Single();
        // The fill is appended to the liquidation stream by hand, as if the process died before updating the fund.
        var filled = new SliceFilled("acct-1", slice.LiquidationId, "BTC-PERP", slice.OrderId, "f1", CloseSide.Sell, 0.1m, 46_000m, 46m, 0.9m, T0, new("book-BTC-PERP", 3));
        var version = await harness.Store.GetStreamVersionAsync("liquidation-acct-1");
        await harness.Store.AppendAsync("liquidation-acct-1", Clearing.EventSourcing.ExpectedVersion.Exactly(version), [LiquidationJsonContext.Serializer.Serialize(filled)]);

        var engine = harness.Restart();

        (await engine.LoadFundAsync(None)).State.Balance.ShouldBe(46m);
    }
}
