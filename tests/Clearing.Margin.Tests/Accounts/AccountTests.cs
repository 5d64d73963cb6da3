using Clearing.Margin.Domain.Accounts;

namespace Clearing.Margin.Tests.Accounts;

public class AccountTests
{
    [Fact]
    public void withdrawal_that_would_breach_initial_margin_is_refused_with_the_numbers()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 10_000m);
        world.Deposit("bob", 10_000m);
        world.Trade("alice", "bob", "BTC-PERP", 1m, 100_000m);

        // 1 BTC at 100 000: initial 2% = 2 000. Withdrawing 9 000 leaves 1 000.
        var refusal = Should.Throw<AccountRuleException>(() => world.Withdraw("alice", 9_000m));

        refusal.Message.ShouldContain("withdrawal of 9000 USDC from alice refused");
        refusal.Message.ShouldContain("equity for new risk of 1000");
        refusal.Message.ShouldContain("initial margin requirement of 2000");
        refusal.Message.ShouldContain("short by 1000");
        refusal.Message.ShouldContain("available margin now is 8000");
        world["alice"].Sub(0).BalanceOf("USDC").ShouldBe(10_000m);
    }

    [Fact]
    public void withdrawal_within_initial_margin_is_booked_against_the_outside_world()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 10_000m);
        world.Deposit("bob", 10_000m);
        world.Trade("alice", "bob", "BTC-PERP", 1m, 100_000m);

        var events = world.Withdraw("alice", 8_000m);

        var withdrawn = events.OfType<Withdrawn>().Single();
        withdrawn.EquityForNewRiskAfter.ShouldBe(2_000m);
        withdrawn.InitialRequirementAfter.ShouldBe(2_000m);
        withdrawn.LedgerLines.Single().Postings.ShouldBe([new Posting("system:external", "USDC", 8_000m), new Posting("alice", "USDC", -8_000m)]);
        world["alice"].Sub(0).BalanceOf("USDC").ShouldBe(2_000m);
    }

    [Fact]
    public void collateral_whose_price_is_stale_is_valued_at_zero_for_new_risk_but_not_for_maintenance()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 1m, "BTC");
        world.Deposit("bob", 10_000m);
        world.Trade("alice", "bob", "BTC-PERP", 0.5m, 100_000m);
        var fresh = world.RiskOf("alice");
        fresh.CollateralForNewRisk.ShouldBe(90_000m); // 1 BTC × 100 000 × (1 − 10% haircut)

        world.Prices = world.Prices.WithIndex("BTC", 100_000m, stale: true, 2, MarginWorld.T0.AddSeconds(5));
        var stale = world.RiskOf("alice");

        stale.CollateralForNewRisk.ShouldBe(0m);
        stale.CollateralValue.ShouldBe(90_000m);
        stale.AvailableMargin.ShouldBe(-1_000m); // 0 for new risk − 2% of 50 000
        stale.Band.ShouldBe(HealthBand.Healthy); // maintenance still sees the last good price: no liquidation from a stale feed
        Should.Throw<AccountRuleException>(() => world.Withdraw("alice", 0.1m, "BTC")).Message.ShouldContain("stale-priced collateral counts 0");
    }

    [Fact]
    public void deposit_of_an_asset_that_is_not_collateral_is_refused_naming_the_accepted_ones()
    {
        var world = new MarginWorld();

        Should.Throw<AccountRuleException>(() => world.Deposit("alice", 5m, "DOGE")).Message.ShouldBe("asset 'DOGE' is not accepted as collateral; accepted: BTC, ETH, USDC");
    }

    [Fact]
    public void a_repeated_deposit_reference_books_nothing_twice()
    {
        var world = new MarginWorld();
        var deposit = new Deposit("alice", "USDC", 100m, "tx-1", MarginWorld.T0);

        world.Apply("alice", a => world.Decider.Decide(a, deposit, world.Prices)).ShouldNotBeEmpty();
        world.Apply("alice", a => world.Decider.Decide(a, deposit, world.Prices)).ShouldBeEmpty();

        world["alice"].Sub(0).BalanceOf("USDC").ShouldBe(100m);
    }

    [Fact]
    public void closing_a_position_realizes_pnl_against_settlement_and_fees_go_to_the_fee_pool_with_rebates_out_of_it()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 10_000m);
        world.Deposit("bob", 10_000m);
        world.Deposit("carol", 10_000m);
        world.Trade("alice", "bob", "BTC-PERP", 1m, 100_000m, buyerFee: 50m, sellerFee: -10m);
        world.Trade("carol", "alice", "BTC-PERP", 1m, 101_000m, buyerFee: 50m, sellerFee: 10m);

        world["alice"].Sub(0).BalanceOf("USDC").ShouldBe(10_000m - 50m + 1_000m - 10m);
        world["alice"].Sub(0).Positions.ShouldNotContainKey("BTC-PERP");
        var ledger = world.LedgerBalances();
        ledger["system:fee-pool"].ShouldBe(50m - 10m + 50m + 10m);
        ledger["system:settlement"].ShouldBe(-1_000m);
        world.AllEvents.OfType<PositionChanged>().Where(p => p.AccountId == "bob").Single().LedgerLines
            .ShouldContain(l => l.Kind == LedgerKind.FeeRebate && l.Postings.Contains(new Posting("bob", "USDC", 10m)));
    }

    [Fact]
    public void a_price_drop_below_maintenance_records_a_band_crossing_and_a_liquidation_required_with_the_shortfall()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 3_000m);
        world.Deposit("bob", 100_000m);
        world.Trade("alice", "bob", "BTC-PERP", 1m, 100_000m);

        world.Prices = world.Prices.WithMark("BTC-PERP", 98_000m);
        var events = world.Revalue("alice");

        var crossing = events.OfType<RiskEventRecorded>().ToList();
        crossing.Select(e => e.Kind).ShouldBe([RiskEventKind.HealthChanged, RiskEventKind.LiquidationRequired]);
        crossing.Select(e => e.Sequence).ShouldBe([1L, 2L]);
        var required = crossing[1];
        required.From.ShouldBe(HealthBand.Healthy);
        required.To.ShouldBe(HealthBand.Liquidation);
        required.Risk.Equity.ShouldBe(1_000m);
        required.Risk.MaintenanceRequirement.ShouldBe(1_176m); // 1.2% of 98 000
        required.Shortfall.ShouldBe(176m);
        required.ToRestoreInitial.ShouldBe(960m); // 2% of 98 000 − 1 000
        world.Revalue("alice").ShouldBeEmpty(); // same band: nothing new
    }

    [Fact]
    public void warning_band_is_a_margin_call_and_negative_equity_is_bankrupt_with_the_deficit()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 3_000m);
        world.Deposit("bob", 100_000m);
        world.Trade("alice", "bob", "BTC-PERP", 1m, 100_000m);

        world.Prices = world.Prices.WithMark("BTC-PERP", 98_600m); // equity 1 600, maintenance 1 183.2: health 1.35 → healthy
        world.Revalue("alice").ShouldBeEmpty();
        world.Prices = world.Prices.WithMark("BTC-PERP", 98_400m); // equity 1 400 vs 1 180.8: health 1.19 → warning
        world.Revalue("alice").OfType<RiskEventRecorded>().Select(e => e.Kind).ShouldBe([RiskEventKind.HealthChanged, RiskEventKind.MarginCall]);
        world.Prices = world.Prices.WithMark("BTC-PERP", 96_500m);
        var bankrupt = world.Revalue("alice").OfType<RiskEventRecorded>().Last();

        bankrupt.Kind.ShouldBe(RiskEventKind.Bankrupt);
        bankrupt.From.ShouldBe(HealthBand.Warning);
        bankrupt.Deficit.ShouldBe(500m);
        bankrupt.Risk.Positions.Single().BankruptcyPrice.ShouldBe(97_000m);
    }

    [Fact]
    public void margin_tiers_charge_each_slice_of_notional_at_its_own_fraction()
    {
        var (initial, maintenance) = MarginParameters.LargeCap.Requirement(3_000_000m);

        initial.ShouldBe(1_000_000m * 0.02m + 2_000_000m * 0.05m);
        maintenance.ShouldBe(1_000_000m * 0.012m + 2_000_000m * 0.03m);
    }

    [Fact]
    public void funding_makes_longs_pay_shorts_and_rounding_dust_stays_with_the_dust_account()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 10_000m);
        world.Deposit("bob", 10_000m);
        world.Trade("alice", "bob", "BTC-PERP", 0.333m, 100_000m);

        world.Fund("BTC-PERP", 0.0000123m, 100_001m);

        var alice = world["alice"].Sub(0);
        var bob = world["bob"].Sub(0);
        alice.Positions["BTC-PERP"].Funding.ShouldBe(-0.409595m); // −0.333 × 100 001 × 0.0000123 = −0.40959409…, rounded toward −∞
        bob.Positions["BTC-PERP"].Funding.ShouldBe(0.409594m);
        world.LedgerBalances()["system:funding-dust"].ShouldBe(0.000001m);
        (alice.BalanceOf("USDC") + bob.BalanceOf("USDC")).ShouldBe(20_000m - 0.000001m);
    }

    [Fact]
    public void options_settle_at_expiry_in_cash_in_the_money_for_intrinsic_value_and_out_of_the_money_worthless()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 50_000m);
        world.Deposit("bob", 50_000m);
        world.Trade("alice", "bob", "BTC-26MAR27-100000-C", 1m, 5_000m);
        world.Trade("alice", "bob", "BTC-26MAR27-80000-P", 1m, 1_000m);
        world.Trade("alice", "bob", "BTC-26MAR27", 1m, 101_000m);

        foreach (var market in new[] { "BTC-26MAR27-100000-C", "BTC-26MAR27-80000-P", "BTC-26MAR27" })
        {
            foreach (var owner in new[] { "alice", "bob" })
            {
                world.Apply(owner, a => world.Decider.Decide(a, new SettleExpiry(market, 112_000m, $"settle:{market}", new MessageSource($"settlement-{market}", 1), MarginWorld.T0), world.Prices));
            }
        }

        var alice = world["alice"].Sub(0);
        alice.Positions.ShouldBeEmpty();
        // call: 12 000 intrinsic − 5 000 premium; put: expires worthless, −1 000; future: 112 000 − 101 000.
        alice.BalanceOf("USDC").ShouldBe(50_000m + 7_000m - 1_000m + 11_000m);
        world["bob"].Sub(0).BalanceOf("USDC").ShouldBe(50_000m - 17_000m);
        world.LedgerBalances()["system:settlement"].ShouldBe(0m);
    }

    [Fact]
    public void options_are_margined_by_the_portfolio_model_and_report_greeks_by_expiry()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 50_000m);
        world.Deposit("bob", 50_000m);
        world.Trade("alice", "bob", "BTC-26MAR27-120000-C", 2m, 3_000m);
        world.Trade("bob", "alice", "BTC-PERP", 0.5m, 100_000m);

        var risk = world.RiskOf("bob");

        risk.Positions.Select(p => p.Market).ShouldBe(["BTC-PERP", "BTC-26MAR27-120000-C"], ignoreOrder: true);
        risk.MaintenanceRequirement.ShouldBeGreaterThanOrEqualTo(2_000m); // at least the short option minimum: 1% of spot per short unit
        risk.Greeks.Select(g => g.Expiry).ShouldBe([null, new DateTimeOffset(2027, 3, 26, 8, 0, 0, TimeSpan.Zero)]);
        risk.Greeks[0].Delta.ShouldBe(0.5m);
        risk.Greeks[1].Delta.ShouldBeLessThan(0m);
        risk.Greeks[1].Vega.ShouldBeLessThan(0m);
    }

    [Fact]
    public void transfer_to_the_insurance_fund_closes_at_the_bankruptcy_price_and_the_fund_covers_what_is_left()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 3_000m);
        world.Deposit("bob", 100_000m);
        world.Trade("alice", "bob", "BTC-PERP", 1m, 100_000m, buyerFee: 20m);
        var source = new MessageSource("liquidation-alice", 3);

        world.Apply("alice", a => world.Decider.Decide(a, new ChargeLiquidationFee("alice", "BTC-PERP", 30m, "liq-1", new MessageSource("liquidation-alice", 2), MarginWorld.T0), world.Prices));
        world.Apply("alice", a => world.Decider.Decide(a, new ClosePosition("alice", "BTC-PERP", 1m, 96_900m, PositionChange.InsuranceTakeover, "liq-1", CoverDeficit: true, source, MarginWorld.T0), world.Prices));
        world.Apply(SystemAccounts.InsuranceFund, a => world.Decider.Decide(a, new TakeOverPosition(SystemAccounts.InsuranceFund, "BTC-PERP", 1m, 96_900m, PositionChange.InsuranceTakeover, "liq-1", source, MarginWorld.T0), world.Prices));

        world["alice"].Sub(0).BalanceOf("USDC").ShouldBe(0m);
        world["alice"].Sub(0).Positions.ShouldBeEmpty();
        world[SystemAccounts.InsuranceFund].Sub(0).Positions["BTC-PERP"].EntryPrice.ShouldBe(96_900m);
        var ledger = world.LedgerBalances();
        ledger[SystemAccounts.InsuranceFund].ShouldBe(30m - 150m); // fee in, deficit (3 000 − 20 − 30 − 3 100 = −150) out
        MoneyIsConserved(world);
    }

    [Fact]
    public void adl_closes_both_sides_at_the_price()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 3_000m);
        world.Deposit("bob", 100_000m);
        world.Trade("alice", "bob", "BTC-PERP", 1m, 100_000m);
        var source = new MessageSource("liquidation-alice", 4);

        world.Apply("alice", a => world.Decider.Decide(a, new ClosePosition("alice", "BTC-PERP", 1m, 97_000m, PositionChange.Adl, "liq-1", CoverDeficit: true, source, MarginWorld.T0), world.Prices));
        world.Apply("bob", a => world.Decider.Decide(a, new ClosePosition("bob", "BTC-PERP", 1m, 97_000m, PositionChange.Adl, "liq-1", CoverDeficit: false, source, MarginWorld.T0), world.Prices));

        world["alice"].Sub(0).BalanceOf("USDC").ShouldBe(0m);
        world["bob"].Sub(0).BalanceOf("USDC").ShouldBe(103_000m);
        world.LedgerBalances()["system:settlement"].ShouldBe(0m);
        world.AllEvents.OfType<PositionChanged>().Where(p => p.Cause == PositionChange.Adl).SelectMany(p => p.LedgerLines).ShouldAllBe(l => l.Kind == LedgerKind.Adl);
    }

    [Fact]
    public void sub_accounts_are_separate_margin_units_and_transfers_between_them_are_atomic()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 10_000m);
        world.Apply("alice", a => world.Decider.Decide(a, new TransferBetweenSubAccounts("alice", "alice:2", "USDC", 4_000m, "t-1", MarginWorld.T0), world.Prices));
        world.Deposit("bob", 10_000m);
        world.Trade("alice:2", "bob", "BTC-PERP", 1m, 100_000m);

        world["alice"].Sub(0).BalanceOf("USDC").ShouldBe(6_000m);
        world.RiskOf("alice:2").InitialRequirement.ShouldBe(2_000m);
        world.RiskOf("alice").InitialRequirement.ShouldBe(0m);
        Should.Throw<AccountRuleException>(() => world.Apply("alice", a => world.Decider.Decide(a, new TransferBetweenSubAccounts("alice:2", "alice", "USDC", 3_000m, "t-2", MarginWorld.T0), world.Prices)))
            .Message.ShouldContain("initial margin requirement of 2000");
    }

    [Fact]
    public void isolated_collateral_is_pinned_to_its_position_and_released_when_it_closes()
    {
        var world = new MarginWorld();
        world.Deposit("alice", 10_000m);
        world.Deposit("bob", 100_000m);
        var source = new MessageSource("book-BTC-PERP", 1);
        world.Apply("alice", a => world.Decider.Decide(a, new BookFill([new FillSide("alice", "BTC-PERP", "f1", 1m, 100_000m, 0m, "USDC", Isolated: true, IsolatedCollateral: 2_500m)], source, MarginWorld.T0), world.Prices));

        world["alice"].Sub(0).Positions["BTC-PERP"].IsolatedCollateral.ShouldBe(2_500m);
        world.RiskOf("alice").AvailableMargin.ShouldBe(7_500m); // the cross part does not carry the isolated requirement
        world.Prices = world.Prices.WithMark("BTC-PERP", 98_000m);
        var risk = world.RiskOf("alice");
        risk.Band.ShouldBe(HealthBand.Liquidation); // the isolated unit (500 equity vs 1 176) — the 7 500 cross does not save it
        risk.Positions.Single().Isolated.ShouldBeTrue();

        world.Apply("alice", a => world.Decider.Decide(a, new BookFill([new FillSide("alice", "BTC-PERP", "f2", -1m, 98_000m, 0m, "USDC", true, 0m)], new MessageSource("book-BTC-PERP", 2), MarginWorld.T0), world.Prices));
        world["alice"].Sub(0).Positions.ShouldBeEmpty();
        world["alice"].Sub(0).BalanceOf("USDC").ShouldBe(8_000m);
        world.RiskOf("alice").AvailableMargin.ShouldBe(8_000m);
    }

    internal static void MoneyIsConserved(MarginWorld world)
    {
        var ledger = world.LedgerBalances();
        var systemTotal = ledger.Where(kv => SystemAccounts.IsSystem(kv.Key) && kv.Key != SystemAccounts.External).Sum(kv => kv.Value);
        (world.TraderBalances() + systemTotal).ShouldBe(world.Deposits - world.Withdrawals);
        foreach (var (account, balance) in ledger.Where(kv => !SystemAccounts.IsSystem(kv.Key)))
        {
            var address = AccountAddress.Parse(account);
            world[address.Owner].Sub(address).BalanceOf("USDC").ShouldBe(balance, $"state and ledger disagree for {account}");
        }
    }
}
