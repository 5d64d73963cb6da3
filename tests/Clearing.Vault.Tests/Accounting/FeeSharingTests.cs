using System.Text;
using Clearing.EventSourcing;
using Clearing.Vault.Application;
using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;
using static Clearing.Vault.Tests.Support.VaultGiven;

namespace Clearing.Vault.Tests.Accounting;

/// <summary>
/// Fee income is money margin already paid into the vault's account (settlement's FEE_DISTRIBUTION entries); the vault
/// counts each entry once and attributes it to the shares outstanding. The retired per-fill accrual still folds.
/// </summary>
public sealed class FeeSharingTests
{
    [Fact]
    public void fee_income_booked_in_margin_raises_collateral_by_exactly_the_entry_and_names_the_pool_it_came_from()
    {
        var rules = Rules();
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));

        var trading = VaultBook.OnFeeIncome(state, rules, FeeIncome(2.5m, FeeKind.Trading, "fees-7-USDC")).OfType<FeeIncomeBooked>().Single();
        state = Apply(state, [trading]);
        var liquidation = VaultBook.OnFeeIncome(state, rules, FeeIncome(20m, FeeKind.Liquidation, "liquidation-fees-7-USDC")).OfType<FeeIncomeBooked>().Single();
        state = Apply(state, [liquidation]);

        trading.Postings.ShouldBe([new VaultPosting("system:fee-pool", "USDC", -2.5m), new VaultPosting("vault-hlp", "USDC", 2.5m)]);
        liquidation.Postings.ShouldBe([new VaultPosting("system:insurance-fund", "USDC", -20m), new VaultPosting("vault-hlp", "USDC", 20m)]);
        (state.TradingFeeIncome, state.LiquidationFeeIncome, state.Collateral).ShouldBe((2.5m, 20m, 1_022.5m));
        VaultBook.Nav(state, NoMarks, T0).Nav.ShouldBe(1_022.5m);
    }

    [Fact]
    public void lp_statements_split_fee_income_by_the_shares_held_when_it_was_paid_and_list_the_vaults_entries_newest_first()
    {
        var rules = Rules();
        var state = VaultState.Empty("hlp");
        state = Apply(state, VaultBook.Deposit(state, rules, "lp-1", 3_000m, "dep-1", NoMarks, T0));
        state = Apply(state, VaultBook.Deposit(state, rules, "lp-2", 1_000m, "dep-2", NoMarks, T0));
        state = Apply(state, VaultBook.OnFeeIncome(state, rules, FeeIncome(100m, FeeKind.Trading, "fees-1-USDC")));
        // lp-3 joins after the first distribution: none of it is attributed to lp-3, half of the second is.
        state = Apply(state, VaultBook.Deposit(state, rules, "lp-3", 4_100m, "dep-3", NoMarks, T0));
        state = Apply(state, VaultBook.OnFeeIncome(state, rules, FeeIncome(82m, FeeKind.Liquidation, "liquidation-fees-2-USDC")));

        var nav = VaultBook.Nav(state, NoMarks, T0);
        var statements = new[] { "lp-1", "lp-2", "lp-3" }.Select(lp => VaultBook.Statement(state, lp, nav)).ToList();

        // First 100 over 4 000 shares; lp-3 bought 4 000 shares at 1.025; second 82 over 8 000 shares.
        statements.Select(s => s.FeeIncome).ShouldBe([75m + 30.75m, 25m + 10.25m, 41m]);
        statements.Sum(s => s.FeeIncome).ShouldBe(182m);
        (statements[2].Deposited, statements[2].Value, statements[2].ProfitAndLoss).ShouldBe((4_100m, 4_141m, 41m));
        statements[0].VaultFeeIncome!.Select(f => (f.Reference, f.Kind, f.Amount, f.IncomePerShare, f.SharesOutstanding))
            .ShouldBe([("liquidation-fees-2-USDC", FeeKind.Liquidation, 82m, 0.01025m, 8_000m), ("fees-1-USDC", FeeKind.Trading, 100m, 0.025m, 4_000m)]);
    }

    [Fact]
    public void a_redelivered_ledger_entry_is_counted_once()
    {
        var rules = Rules();
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));
        var entry = FeeIncome(10m);
        state = Apply(state, VaultBook.OnFeeIncome(state, rules, entry));

        VaultBook.OnFeeIncome(state, rules, entry).ShouldBeEmpty();
        VaultBook.OnFeeIncome(state, rules, entry with { Source = entry.Source with { Sequence = entry.Source.Sequence - 1 } }).ShouldBeEmpty();
        state.Collateral.ShouldBe(1_010m);
    }

    [Fact]
    public void only_the_latest_hundred_distributions_are_kept_for_statements_while_the_totals_keep_everything()
    {
        var rules = Rules();
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));
        for (var i = 1; i <= VaultState.KeptFeeIncomeEntries + 5; i++)
        {
            state = Apply(state, VaultBook.OnFeeIncome(state, rules, FeeIncome(1m, FeeKind.Trading, $"fees-{i}-USDC")));
        }

        state.RecentFeeIncome.Count.ShouldBe(VaultState.KeptFeeIncomeEntries);
        state.RecentFeeIncome[0].Reference.ShouldBe("fees-6-USDC");
        state.TradingFeeIncome.ShouldBe(VaultState.KeptFeeIncomeEntries + 5m);
    }

    [Fact]
    public void a_snapshot_keeps_the_fee_income_entries_and_totals()
    {
        var rules = Rules();
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));
        state = Apply(state, VaultBook.OnFeeIncome(state, rules, FeeIncome(7.25m, FeeKind.Liquidation, "liquidation-fees-9-USDC")));

        var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, VaultJsonContext.Serializer.Options);
        var restored = System.Text.Json.JsonSerializer.Deserialize<VaultState>(bytes, VaultJsonContext.Serializer.Options)!;

        restored.RecentFeeIncome.ShouldBe(state.RecentFeeIncome);
        (restored.LiquidationFeeIncome, restored.FeeIncomePerShare, restored.Collateral).ShouldBe((7.25m, state.FeeIncomePerShare, 1_007.25m));
    }

    [Fact]
    public void a_fee_distribution_in_another_asset_or_taking_money_out_is_refused_naming_the_entry()
    {
        var rules = Rules();
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));

        Should.Throw<VaultRefusedException>(() => VaultBook.OnFeeIncome(state, rules, FeeIncome(1m, FeeKind.Trading, "fees-3-BTC") with { Asset = "BTC" }))
            .Message.ShouldContain("fees-3-BTC");
        Should.Throw<VaultRefusedException>(() => VaultBook.OnFeeIncome(state, rules, FeeIncome(-1m, FeeKind.Trading, "fees-4-USDC")))
            .Message.ShouldContain("only credit it");
    }

    [Fact]
    public void a_fill_of_the_vaults_own_quote_books_its_position_and_fee_and_no_fee_share()
    {
        var rules = Rules();
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));
        var fill = new VaultFillInput("BTC-PERP", "BTC-PERP:1", "vq-1", VaultSide.Buy, 0.01m, 50_000m, -0.1m, T0, Source());

        var events = VaultBook.OnFill(state, rules, fill);
        state = Apply(state, events);

        events.Select(e => e.GetType().Name).ShouldBe([nameof(VaultFilled)]);
        (state.FeesOwed, state.Collateral, state.TradingFeeIncome).ShouldBe((-0.1m, 1_000m, 0m));   // a maker rebate is owed to the vault
        VaultBook.OnFill(state, rules, fill).ShouldBeEmpty();
    }

    /// <summary>The JSON a stream written before this change holds (vault.fee-share-accrued.v1, one per fill), read back byte for byte.</summary>
    [Fact]
    public void a_stream_with_the_retired_per_fill_fee_accruals_still_folds_to_the_same_books()
    {
        var rules = Rules();
        var deposited = VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0);
        const string stored = """
            {"vaultId":"hlp","kind":"Trading","market":"BTC-PERP","reference":"BTC-PERP:9","fee":25,"shareRate":0.1,"amount":2.5,"feeIncomePerShareAfter":0.0025,
             "at":"2026-11-25T12:00:00+00:00","source":{"stream":"book-BTC-PERP","sequence":9},
             "postings":[{"accountId":"system:fee-pool","asset":"USDC","amount":-2.5},{"accountId":"vault-hlp","asset":"USDC","amount":2.5}]}
            """;
        var old = VaultJsonContext.Serializer.Deserialize("vault.fee-share-accrued.v1", Encoding.UTF8.GetBytes(stored));

        var state = Apply(Apply(VaultState.Empty("hlp"), deposited), [old]);

        old.ShouldBeOfType<FeeShareAccrued>().Source.ShouldBe(new MessageSource("book-BTC-PERP", 9));
        (state.Collateral, state.TradingFeeIncome, state.FeeIncomePerShare).ShouldBe((1_002.5m, 2.5m, 0.0025m));
        state.Inbox.LastAppliedFor("book-BTC-PERP").ShouldBe(9);
        VaultBook.Statement(state, "lp-1", VaultBook.Nav(state, NoMarks, T0)).FeeIncome.ShouldBe(2.5m);
        // New fee income adds on top of what the old path accrued.
        state = Apply(state, VaultBook.OnFeeIncome(state, rules, FeeIncome(10m)));
        (state.Collateral, state.TradingFeeIncome).ShouldBe((1_012.5m, 12.5m));
    }
}
