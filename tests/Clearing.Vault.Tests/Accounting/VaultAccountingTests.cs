using Clearing.Vault.Domain.Accounting;
using static Clearing.Vault.Tests.Support.VaultGiven;

namespace Clearing.Vault.Tests.Accounting;

public sealed class VaultAccountingTests
{
    private static VaultState Funded(VaultRules rules, params (string Lp, decimal Amount)[] deposits)
    {
        var state = VaultState.Empty(rules.VaultId);
        var n = 0;
        foreach (var (lp, amount) in deposits)
        {
            state = Apply(state, VaultBook.Deposit(state, rules, lp, amount, $"dep-{++n}", NoMarks, T0));
        }

        return state;
    }

    [Fact]
    public void first_deposit_mints_shares_at_a_price_of_one_and_moves_the_money_from_the_lp_to_the_vault()
    {
        var rules = Rules();
        var events = VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0);

        var deposit = events.OfType<VaultDeposited>().Single();
        deposit.SharesMinted.ShouldBe(1_000m);
        deposit.Postings.ShouldBe([new VaultPosting("lp-1", "USDC", -1_000m), new VaultPosting("vault-hlp", "USDC", 1_000m)]);
    }

    [Fact]
    public void nav_is_collateral_plus_unrealized_pnl_at_mark_minus_fees_owed()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 10_000m));
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-1", "vq-1", VaultSide.Buy, 0.1m, 50_000m, 2.5m, T0, Source())));

        var nav = VaultBook.Nav(state, Marks(("BTC-PERP", 51_000m)), T0);

        (nav.Collateral, nav.UnrealizedPnl, nav.FeesOwed, nav.Nav).ShouldBe((10_000m, 100m, 2.5m, 10_097.5m));
        nav.SharePrice.ShouldBe(1.0097500m);
    }

    [Fact]
    public void a_position_without_a_mark_cannot_be_valued_and_the_refusal_names_the_market()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 10_000m));
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput("ETH-PERP", "f-1", "vq-1", VaultSide.Sell, 1m, 3_000m, 0m, T0, Source())));

        Should.Throw<VaultRefusedException>(() => VaultBook.Deposit(state, rules, "lp-2", 100m, "dep-x", NoMarks, T0)).Message.ShouldContain("ETH-PERP");
    }

    [Fact]
    public void deposit_after_a_gain_mints_shares_at_the_higher_price_rounded_down()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 1_000m));
        state = Apply(state, VaultBook.OnFeeIncome(state, rules, FeeIncome(100m)));

        var deposit = VaultBook.Deposit(state, rules, "lp-2", 100m, "dep-2", NoMarks, T0).OfType<VaultDeposited>().Single();

        deposit.NavBefore.ShouldBe(1_100m);
        deposit.SharesMinted.ShouldBe(90.90909090m);   // 100 × 1000 / 1100 = 90.909090909…, rounded down
    }

    [Fact]
    public void the_same_deposit_reference_is_booked_once()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 1_000m));

        VaultBook.Deposit(state, rules, "lp-1", 1_000m, "dep-1", NoMarks, T0).ShouldBeEmpty();
    }

    [Fact]
    public void a_deposit_below_the_minimum_is_refused_with_the_reason()
    {
        var rules = Rules(r => r with { MinimumDeposit = 10m });

        Should.Throw<VaultRefusedException>(() => VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 5m, "dep-1", NoMarks, T0))
            .Message.ShouldContain("below the minimum of 10");
    }

    [Fact]
    public void a_withdrawal_is_paid_after_the_lockup_at_the_nav_of_the_payout_time_not_of_the_request()
    {
        var rules = Rules(r => r with { WithdrawalLockup = TimeSpan.FromDays(4) });
        var state = Funded(rules, ("lp-1", 1_000m), ("lp-2", 1_000m));
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-1", "vq-1", VaultSide.Buy, 0.1m, 50_000m, 0m, T0, Source())));
        state = Apply(state, VaultBook.RequestWithdrawal(state, rules, "lp-1", 500m, T0));

        VaultBook.Advance(state, rules, Marks(("BTC-PERP", 50_000m)), T0.AddDays(4).AddTicks(-1)).ShouldBeEmpty();
        // The market fell 2 000 on 0.1 BTC before the payout: the withdrawer bears its share of the 200 loss.
        var paid = VaultBook.Advance(state, rules, Marks(("BTC-PERP", 48_000m)), T0.AddDays(4)).OfType<WithdrawalPaid>().Single();

        paid.NavBefore.ShouldBe(1_800m);
        paid.Amount.ShouldBe(450m);
        paid.Postings.ShouldBe([new VaultPosting("vault-hlp", "USDC", -450m), new VaultPosting("lp-1", "USDC", 450m)]);
    }

    [Fact]
    public void a_cancelled_withdrawal_frees_the_shares_and_is_never_paid()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 1_000m));
        var request = VaultBook.RequestWithdrawal(state, rules, "lp-1", 400m, T0).OfType<WithdrawalRequested>().Single();
        state = Apply(state, [request]);
        state.FreeSharesOf("lp-1").ShouldBe(600m);

        state = Apply(state, VaultBook.CancelWithdrawal(state, request.WithdrawalId, "lp-1", T0.AddHours(1)));

        state.FreeSharesOf("lp-1").ShouldBe(1_000m);
        VaultBook.Advance(state, rules, NoMarks, T0.AddDays(30)).ShouldBeEmpty();
        Should.Throw<VaultRefusedException>(() => VaultBook.CancelWithdrawal(state, request.WithdrawalId, "lp-1", T0)).Message.ShouldContain("No pending withdrawal");
    }

    [Fact]
    public void shares_already_in_a_withdrawal_request_cannot_be_requested_again()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 1_000m));
        state = Apply(state, VaultBook.RequestWithdrawal(state, rules, "lp-1", 800m, T0));

        Should.Throw<VaultRefusedException>(() => VaultBook.RequestWithdrawal(state, rules, "lp-1", 300m, T0)).Message.ShouldContain("has 200 shares not already in a withdrawal request");
    }

    [Fact]
    public void another_lp_cannot_cancel_a_withdrawal()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 1_000m));
        state = Apply(state, VaultBook.RequestWithdrawal(state, rules, "lp-1", 100m, T0));

        Should.Throw<VaultRefusedException>(() => VaultBook.CancelWithdrawal(state, "w-1", "lp-2", T0)).Message.ShouldContain("belongs to lp-1");
    }

    [Fact]
    public void a_withdrawal_free_collateral_cannot_pay_is_deferred_once_and_paid_when_money_is_back()
    {
        var rules = Rules(r => r with { WithdrawalLockup = TimeSpan.Zero });
        var state = Funded(rules, ("lp-1", 1_000m), ("lp-2", 1_000m));
        // A takeover at a loss then a realized loss leaves collateral short of a full payout of lp-1's shares.
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-1", "vq-1", VaultSide.Buy, 1m, 50_000m, 0m, T0, Source())));
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-2", "vq-2", VaultSide.Sell, 0.5m, 48_500m, 0m, T0, Source())));
        state.Collateral.ShouldBe(1_250m);
        state = Apply(state, VaultBook.RequestWithdrawal(state, rules, "lp-1", 1_000m, T0));
        var marks = Marks(("BTC-PERP", 52_000m));   // NAV 1 250 + 0.5 × 2 000 = 2 250: lp-1 is owed 1 125 ≤ 1 250

        var high = VaultBook.Advance(state with { FeesOwed = 300m }, rules, marks, T0);
        var deferred = high.OfType<WithdrawalDeferred>().Single();
        deferred.FreeCollateral.ShouldBe(950m);
        var afterDefer = Apply(state with { FeesOwed = 300m }, high);
        VaultBook.Advance(afterDefer, rules, marks, T0.AddSeconds(1)).ShouldBeEmpty();   // deferred once, not on every tick

        var paid = VaultBook.Advance(afterDefer with { FeesOwed = 0m }, rules, marks, T0.AddSeconds(2)).OfType<WithdrawalPaid>().Single();
        paid.Amount.ShouldBe(1_125m);
    }

    [Fact]
    public void a_fill_that_reduces_the_position_realizes_pnl_against_the_settlement_account()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 10_000m));
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-1", "vq-1", VaultSide.Buy, 0.3m, 50_000m, 0m, T0, Source())));

        var sell = VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-2", "vq-2", VaultSide.Sell, 0.1m, 51_000m, 1m, T0, Source())).OfType<VaultFilled>().Single();

        sell.RealizedPnl.ShouldBe(100m);
        sell.SizeAfter.ShouldBe(0.2m);
        sell.Postings.ShouldBe([new VaultPosting("vault-hlp", "USDC", 100m), new VaultPosting("system:settlement", "USDC", -100m)]);
        Apply(state, [sell]).FeesOwed.ShouldBe(1m);
    }

    [Fact]
    public void the_same_fill_is_booked_once()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 10_000m));
        var source = Source();
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-1", "vq-1", VaultSide.Buy, 0.1m, 50_000m, 0m, T0, source)));

        VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-1", "vq-1", VaultSide.Buy, 0.1m, 50_000m, 0m, T0, source)).ShouldBeEmpty();
    }

    [Fact]
    public void paying_owed_fees_moves_money_to_the_fee_pool_and_leaves_nav_unchanged()
    {
        var rules = Rules();
        var state = Funded(rules, ("lp-1", 10_000m));
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput("BTC-PERP", "f-1", "vq-1", VaultSide.Buy, 0.1m, 50_000m, 5m, T0, Source())));
        var marks = Marks(("BTC-PERP", 50_000m));
        var before = VaultBook.Nav(state, marks, T0).Nav;

        var paid = VaultBook.PayFees(state, rules, T0).OfType<VaultFeesPaid>().Single();
        state = Apply(state, [paid]);

        paid.Postings.ShouldBe([new VaultPosting("vault-hlp", "USDC", -5m), new VaultPosting("system:fee-pool", "USDC", 5m)]);
        VaultBook.Nav(state, marks, T0).Nav.ShouldBe(before);
    }
}
