using Clearing.Margin.Domain.Accounts;

namespace Clearing.Margin.Tests.Accounts;

/// <summary>
/// What margin does with liquidation's outcome: it asks again when a finished liquidation left the account below
/// maintenance (once per finished case, not per tick), and it refuses withdrawals of an asset the insurance fund paused.
/// </summary>
public class LiquidationFollowUpTests
{
    private static MarginWorld AliceLongBelowMaintenance()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 3_000m);
        world.Deposit("bob", 100_000m);
        world.Trade("alice", "bob", "BTC-PERP", 1m, 100_000m);
        world.Prices = world.Prices.WithMark("BTC-PERP", 98_000m);
        world.Revalue("alice").OfType<RiskEventRecorded>().Last().Kind.ShouldBe(RiskEventKind.LiquidationRequired);
        return world;
    }

    private static IReadOnlyList<object> Finish(MarginWorld world, string accountId, long sequence, bool leftUncovered = false) =>
        world.Apply(AccountAddress.Parse(accountId).Owner, a => world.Decider.Decide(a,
            new LiquidationFinished(accountId, $"{accountId}:1", leftUncovered, new MessageSource($"liquidation-{accountId}", sequence), MarginWorld.T0.AddSeconds(sequence)),
            world.Prices));

    [Fact]
    public void a_liquidation_that_finished_with_the_account_still_below_maintenance_is_asked_for_again_once()
    {
        var world = AliceLongBelowMaintenance();
        // Liquidation sold a little in the book, the price kept falling: still below maintenance, and in the same band.
        world.Trade("carol", "alice", "BTC-PERP", 0.1m, 98_000m);
        world.Deposit("carol", 100_000m);
        world.Prices = world.Prices.WithMark("BTC-PERP", 97_800m);
        world.Revalue("alice").ShouldBeEmpty(); // no crossing: a tick alone stays silent, as before

        var again = Finish(world, "alice", 7);

        var required = again.OfType<RiskEventRecorded>().ShouldHaveSingleItem();
        required.Kind.ShouldBe(RiskEventKind.LiquidationRequired);
        required.From.ShouldBe(HealthBand.Liquidation);
        required.To.ShouldBe(HealthBand.Liquidation);
        required.Sequence.ShouldBe(3); // after the first crossing's HealthChanged (1) and LiquidationRequired (2): gap-free
        required.Risk.Positions.Single().Size.ShouldBe(0.9m);
        required.Shortfall.ShouldBeGreaterThan(0m);
        again.OfType<MessageApplied>().Single().ShouldBe(new MessageApplied("liquidation-alice", 7));
        world["alice"].Inbox.LastAppliedFor("liquidation-alice").ShouldBe(7);

        // Until the next case finishes, further ticks in the band stay silent: one request per case, no spam.
        world.Prices = world.Prices.WithMark("BTC-PERP", 97_700m);
        world.Revalue("alice").ShouldBeEmpty();
        Finish(world, "alice", 9).OfType<RiskEventRecorded>().Single().Sequence.ShouldBe(4);
    }

    [Fact]
    public void a_bankrupt_account_left_after_a_finished_case_is_reported_bankrupt_again()
    {
        var world = AliceLongBelowMaintenance();
        world.Prices = world.Prices.WithMark("BTC-PERP", 96_000m);
        world.Revalue("alice").OfType<RiskEventRecorded>().Last().Kind.ShouldBe(RiskEventKind.Bankrupt);

        var again = Finish(world, "alice", 4).OfType<RiskEventRecorded>().ShouldHaveSingleItem();

        again.Kind.ShouldBe(RiskEventKind.Bankrupt);
        again.Deficit.ShouldBe(1_000m);
    }

    [Fact]
    public void a_liquidation_that_restored_the_account_asks_for_nothing_more()
    {
        var world = AliceLongBelowMaintenance();
        world.Deposit("carol", 100_000m);
        world.Trade("carol", "alice", "BTC-PERP", 0.6m, 98_000m); // the fill crosses back above maintenance by itself
        world["alice"].Sub(0).Band.ShouldNotBe(HealthBand.Liquidation);

        Finish(world, "alice", 7).ShouldBeEmpty();
    }

    [Fact]
    public void a_case_that_ended_with_quantity_nobody_took_is_not_rerun_at_once_but_the_next_crossing_still_reports()
    {
        var world = AliceLongBelowMaintenance();

        Finish(world, "alice", 7, leftUncovered: true).ShouldBeEmpty();

        world.Prices = world.Prices.WithMark("BTC-PERP", 96_000m);
        world.Revalue("alice").OfType<RiskEventRecorded>().Select(e => e.Kind).ShouldBe([RiskEventKind.HealthChanged, RiskEventKind.Bankrupt]);
    }

    private static WithdrawalPause Paused(WithdrawalPause state, long sequence, bool paused, params string[] bankrupt)
    {
        var command = new RecordWithdrawalPause("USDC", paused, bankrupt, paused ? 1_250m : 0m, paused ? "acct-9 is bankrupt (equity -1250)" : "covered",
            new MessageSource("insurance-fund", sequence), MarginWorld.T0.AddSeconds(sequence));
        return WithdrawalPauses.Decide(state, command).Aggregate(state, WithdrawalPauses.Evolve);
    }

    [Fact]
    public void a_withdrawal_of_a_paused_asset_is_refused_naming_the_pause_and_allowed_again_once_lifted()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 10_000m);
        world.Deposit("alice", 1m, "BTC");
        var pause = Paused(WithdrawalPause.None("USDC"), 5, paused: true, "acct-9");
        var pauses = WithdrawalPauses.None.With(pause);

        var refusal = Should.Throw<WithdrawalsPausedException>(() =>
            world.Decider.Decide(world["alice"], new Withdraw("alice", "USDC", 100m, "w-1", MarginWorld.T0), world.Prices, pauses));

        refusal.ShouldBeAssignableTo<AccountRuleException>();
        refusal.Message.ShouldContain("withdrawals of USDC are paused by the insurance fund");
        refusal.Message.ShouldContain("acct-9");
        refusal.Message.ShouldContain("uncovered loss 1250 USDC");
        // Only the paused asset: BTC collateral still leaves.
        world.Decider.Decide(world["alice"], new Withdraw("alice", "BTC", 0.5m, "w-2", MarginWorld.T0), world.Prices, pauses)
            .OfType<Withdrawn>().ShouldHaveSingleItem();

        var lifted = WithdrawalPauses.None.With(Paused(pause, 9, paused: false));
        world.Decider.Decide(world["alice"], new Withdraw("alice", "USDC", 100m, "w-3", MarginWorld.T0), world.Prices, lifted)
            .OfType<Withdrawn>().ShouldHaveSingleItem().Amount.ShouldBe(100m);
    }

    [Fact]
    public void the_pause_is_recorded_once_per_fund_event_and_an_older_fund_event_does_not_undo_a_newer_one()
    {
        var pause = Paused(WithdrawalPause.None("USDC"), 5, paused: true, "acct-9");
        var since = pause.Since;

        WithdrawalPauses.Decide(pause, new RecordWithdrawalPause("USDC", true, ["acct-9"], 1m, "again", new MessageSource("insurance-fund", 5), MarginWorld.T0))
            .ShouldBeEmpty();
        WithdrawalPauses.Decide(pause, new RecordWithdrawalPause("USDC", false, [], 0m, "stale lift", new MessageSource("insurance-fund", 3), MarginWorld.T0))
            .ShouldBeEmpty();
        var widened = Paused(pause, 8, paused: true, "acct-9", "acct-11");

        widened.Paused.ShouldBeTrue();
        widened.BankruptAccounts.ShouldBe(["acct-9", "acct-11"]);
        widened.Since.ShouldBe(since); // still the same pause: it began at the first event
        widened.Inbox.LastAppliedFor("insurance-fund").ShouldBe(8);
    }

    [Fact]
    public void a_pause_for_another_asset_is_refused_by_the_stream_of_this_one()
    {
        var pause = Paused(WithdrawalPause.None("USDC"), 5, paused: true, "acct-9");

        Should.Throw<ArgumentException>(() => WithdrawalPauses.Decide(pause,
            new RecordWithdrawalPause("BTC", true, [], 0m, "x", new MessageSource("insurance-fund", 6), MarginWorld.T0)));
    }
}
