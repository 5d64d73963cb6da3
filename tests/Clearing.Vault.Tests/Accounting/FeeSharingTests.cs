using Clearing.Vault.Domain.Accounting;
using static Clearing.Vault.Tests.Support.VaultGiven;

namespace Clearing.Vault.Tests.Accounting;

public sealed class FeeSharingTests
{
    [Fact]
    public void the_configured_shares_of_trading_and_liquidation_fees_accrue_to_the_vault_out_of_their_pools()
    {
        var rules = Rules(r => r with { TradingFeeShare = 0.1m, LiquidationFeeShare = 0.5m });
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));

        var trading = VaultBook.OnFee(state, rules, new FeeInput(FeeKind.Trading, "BTC-PERP", "fill-9", 25m, T0, Source("ledger"))).OfType<FeeShareAccrued>().Single();
        state = Apply(state, [trading]);
        var liquidation = VaultBook.OnFee(state, rules, new FeeInput(FeeKind.Liquidation, "BTC-PERP", "liq-1", 40m, T0, Source("ledger"))).OfType<FeeShareAccrued>().Single();
        state = Apply(state, [liquidation]);

        trading.Amount.ShouldBe(2.5m);
        trading.Postings.ShouldBe([new VaultPosting("system:fee-pool", "USDC", -2.5m), new VaultPosting("vault-hlp", "USDC", 2.5m)]);
        liquidation.Amount.ShouldBe(20m);
        liquidation.Postings[0].AccountId.ShouldBe("system:insurance-fund");
        (state.TradingFeeIncome, state.LiquidationFeeIncome, state.Collateral).ShouldBe((2.5m, 20m, 1_022.5m));
    }

    [Fact]
    public void lp_statements_split_fee_income_by_the_shares_held_when_it_accrued()
    {
        var rules = Rules(r => r with { TradingFeeShare = 1m });
        var state = VaultState.Empty("hlp");
        state = Apply(state, VaultBook.Deposit(state, rules, "lp-1", 3_000m, "dep-1", NoMarks, T0));
        state = Apply(state, VaultBook.Deposit(state, rules, "lp-2", 1_000m, "dep-2", NoMarks, T0));
        state = Apply(state, VaultBook.OnFee(state, rules, new FeeInput(FeeKind.Trading, "BTC-PERP", "f-1", 100m, T0, Source("ledger"))));
        // lp-3 joins after the first fee: none of it is attributed to lp-3, half of the second is.
        state = Apply(state, VaultBook.Deposit(state, rules, "lp-3", 4_100m, "dep-3", NoMarks, T0));
        state = Apply(state, VaultBook.OnFee(state, rules, new FeeInput(FeeKind.Trading, "BTC-PERP", "f-2", 82m, T0, Source("ledger"))));

        var nav = VaultBook.Nav(state, NoMarks, T0);
        var statements = new[] { "lp-1", "lp-2", "lp-3" }.Select(lp => VaultBook.Statement(state, lp, nav)).ToList();

        // First fee 100 over 4 000 shares; lp-3 bought 4 000 shares at 1.025; second fee 82 over 8 000 shares.
        statements.Select(s => s.FeeIncome).ShouldBe([75m + 30.75m, 25m + 10.25m, 41m]);
        statements.Sum(s => s.FeeIncome).ShouldBe(182m);
        statements[2].Deposited.ShouldBe(4_100m);
        statements[2].Value.ShouldBe(4_141m);
        statements[2].ProfitAndLoss.ShouldBe(41m);
    }

    [Fact]
    public void the_same_fee_is_shared_once()
    {
        var rules = Rules();
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));
        var source = Source("ledger");
        state = Apply(state, VaultBook.OnFee(state, rules, new FeeInput(FeeKind.Trading, "BTC-PERP", "f-1", 10m, T0, source)));

        VaultBook.OnFee(state, rules, new FeeInput(FeeKind.Trading, "BTC-PERP", "f-1", 10m, T0, source)).ShouldBeEmpty();
    }

    [Fact]
    public void a_fill_of_the_vaults_own_quote_and_its_fee_share_are_booked_together_once()
    {
        var rules = Rules(r => r with { TradingFeeShare = 0.1m });
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));
        var source = Source();
        var fill = new VaultFillInput("BTC-PERP", "BTC-PERP:1", "vq-1", VaultSide.Buy, 0.01m, 50_000m, -0.1m, T0, source);
        var fee = new FeeInput(FeeKind.Trading, "BTC-PERP", "BTC-PERP:1", 0.5m, T0, source);

        var events = VaultBook.OnMatchingFill(state, rules, fill, fee, source);
        state = Apply(state, events);

        events.Select(e => e.GetType().Name).ShouldBe([nameof(VaultFilled), nameof(FeeShareAccrued)]);
        (state.FeesOwed, state.Collateral).ShouldBe((-0.1m, 1_000.05m));   // a maker rebate is owed to the vault
        VaultBook.OnMatchingFill(state, rules, fill, fee, source).ShouldBeEmpty();
    }
}
