using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Process;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Domain;

public sealed class InsuranceFundTests
{
    private static InsuranceFundState Apply(InsuranceFundState state, object liquidationEvent, long version, string stream = "liquidation-acct-1") =>
        InsuranceFund.OnLiquidationEvent(state, liquidationEvent, new(stream, version)).Aggregate(state, InsuranceFund.Evolve);

    [Fact]
    public void the_liquidation_fee_goes_into_the_insurance_fund_once()
    {
        var fill = new SliceFilled("acct-1", "acct-1:1", "BTC-PERP", "liq-1-BTC-PERP-1", "f1", CloseSide.Sell, 0.1m, 46_000m, 46m, 0.9m, T0, null);
        var fund = Apply(FundState(1_000m), fill, 3);

        fund.Balance.ShouldBe(1_046m);
        fund.TotalFees.ShouldBe(46m);
        InsuranceFund.OnLiquidationEvent(fund, fill, new("liquidation-acct-1", 3)).ShouldBeEmpty();   // replayed: not twice
    }

    [Fact]
    public void a_takeover_moves_the_balance_by_its_value_at_the_mark_and_counts_payouts_against_the_cap()
    {
        var takeover = new TransferredToFund("acct-1", "acct-1:1", "BTC-PERP", LiquidationProcess.FundAccountId, CloseSide.Sell, 0.3m, 45_000m, 44_000m, -300m, 300m, 700m, "why", T0);
        var fund = Apply(FundState(1_000m), takeover, 5);

        fund.Balance.ShouldBe(700m);
        fund.TotalPaidOut.ShouldBe(300m);
        fund.RemainingCap(Btc(r => r with { FundPayoutCap = 1_000m }), T0.AddMinutes(1)).ShouldBe(700m);
    }

    [Fact]
    public void withdrawals_stay_paused_while_a_bankrupt_account_is_uncovered_and_resume_when_it_is_covered()
    {
        var started = new LiquidationStarted("acct-1", "acct-1:1", "BTC-PERP", T0, 1m, 50_000m, 44_000m, 45_000m, -1_000m, 1_000m, 1m, 1m, true, "bankrupt", null);
        var fund = Apply(FundState(5_000m), started, 0);
        fund.WithdrawalsPaused.ShouldBeTrue();
        fund.BankruptAccounts.Keys.ShouldBe(["acct-1"]);

        var covered = new LiquidationCompleted("acct-1", "acct-1:1", "BTC-PERP", 0m, 1m, 0m, 0m, 0m, 0m, true, T0.AddSeconds(2));
        var events = InsuranceFund.OnLiquidationEvent(fund, covered, new("liquidation-acct-1", 6));
        fund = events.Aggregate(fund, InsuranceFund.Evolve);

        events.OfType<WithdrawalsPauseChanged>().Single().Paused.ShouldBeFalse();
        fund.WithdrawalsPaused.ShouldBeFalse();
        fund.BankruptAccounts.ShouldBeEmpty();
    }

    [Fact]
    public void an_uncovered_loss_is_recorded_and_keeps_withdrawals_paused()
    {
        var started = new LiquidationStarted("acct-1", "acct-1:1", "BTC-PERP", T0, 1m, 50_000m, 44_000m, 45_000m, -1_000m, 1_000m, 1m, 1m, true, "bankrupt", null);
        var uncovered = new LiquidationCompleted("acct-1", "acct-1:1", "BTC-PERP", 0m, 0.1m, 0.5m, 0.4m, 400m, 0m, true, T0.AddSeconds(2));
        var fund = Apply(Apply(FundState(100m), started, 0), uncovered, 6);

        fund.WithdrawalsPaused.ShouldBeTrue();
        fund.UncoveredLoss.ShouldBe(400m);
    }

    [Fact]
    public void a_deposit_is_counted_once_per_reference()
    {
        var fund = InsuranceFund.Deposit(FundState(0m), "treasury-1", 50_000m, "ops-alice", "seed", T0).Aggregate(FundState(0m), InsuranceFund.Evolve);

        fund.Balance.ShouldBe(50_000m);
        InsuranceFund.Deposit(fund, "treasury-1", 50_000m, "ops-alice", "seed", T0).ShouldBeEmpty();
        Should.Throw<ArgumentOutOfRangeException>(() => InsuranceFund.Deposit(fund, "x", 0m, "ops-alice", "zero", T0)).Message.ShouldContain("must be positive");
    }

    [Fact]
    public void a_position_left_uncovered_and_measured_again_by_the_next_case_counts_once()
    {
        var started = new LiquidationStarted("acct-1", "acct-1:1", "BTC-PERP", T0, 1m, 50_000m, 44_000m, 45_000m, -1_000m, 1_000m, 1m, 1m, true, "bankrupt", null);
        var first = new LiquidationCompleted("acct-1", "acct-1:1", "BTC-PERP", 0m, 0.1m, 0.5m, 0.4m, 400m, 0m, true, T0.AddSeconds(2));
        var restarted = started with { LiquidationId = "acct-1:2", At = T0.AddSeconds(5), PositionSize = 0.4m };
        var second = new LiquidationCompleted("acct-1", "acct-1:2", "BTC-PERP", 0m, 0m, 0m, 0.4m, 450m, 0m, true, T0.AddSeconds(7));

        var fund = Apply(Apply(Apply(Apply(FundState(100m), started, 0), first, 6), restarted, 7), second, 9);

        fund.UncoveredLoss.ShouldBe(450m, "the second case measured the same 0.4 left over at a worse mark: 450, not 400 + 450");
        fund.WithdrawalsPaused.ShouldBeTrue();
    }

    [Fact]
    public void each_markets_latest_figure_adds_up_and_a_later_case_that_covers_the_rest_closes_the_bankruptcy()
    {
        var started = new LiquidationStarted("acct-1", "acct-1:1", "BTC-PERP", T0, 1m, 50_000m, 44_000m, 45_000m, -1_000m, 1_000m, 1m, 1m, true, "bankrupt", null);
        var btc = new LiquidationCompleted("acct-1", "acct-1:1", "BTC-PERP", 0m, 0.6m, 0m, 0.4m, 400m, 0m, false, T0.AddSeconds(2));
        var eth = new LiquidationCompleted("acct-1", "acct-1:1", "ETH-PERP", 0m, 1m, 0m, 2m, 100m, 0m, true, T0.AddSeconds(2));
        var fund = Apply(Apply(Apply(FundState(100m), started, 0), btc, 6), eth, 7);
        fund.UncoveredLoss.ShouldBe(500m);

        var btcAgain = btc with { LiquidationId = "acct-1:2", TakenByFund = 0.1m, UncoveredSize = 0.3m, UncoveredLoss = 300m, At = T0.AddSeconds(9) };
        fund = Apply(fund, btcAgain, 9);
        fund.UncoveredLoss.ShouldBe(400m, "BTC's 300 replaces its 400; ETH's 100 stands");

        var btcCovered = btc with { LiquidationId = "acct-1:3", TakenByFund = 0.3m, UncoveredSize = 0m, UncoveredLoss = 0m, At = T0.AddSeconds(12) };
        var ethCovered = eth with { LiquidationId = "acct-1:3", TakenByFund = 2m, UncoveredSize = 0m, UncoveredLoss = 0m, At = T0.AddSeconds(12) };
        fund = Apply(Apply(fund, btcCovered, 11), ethCovered, 12);

        fund.UncoveredLoss.ShouldBe(0m);
        fund.BankruptAccounts.ShouldBeEmpty();
        fund.UncoveredPositions.ShouldBeEmpty();
        fund.WithdrawalsPaused.ShouldBeFalse();
    }
}
