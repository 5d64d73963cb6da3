using System.Globalization;
using Clearing.Contracts.Margin.V1;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Tests.Ledger;

/// <summary>
/// Fee sharing in one ledger: settlement's distributions are booked by margin on vault-hlp (FEE_DISTRIBUTION), and the
/// vault's fee income is exactly those entries, each counted once however often either hop redelivers it. So the NAV of a
/// vault without positions is its margin account's balance, to the last unit.
/// </summary>
public sealed class FeeIncomeLedgerTests
{
    private static decimal Amount(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task after_any_number_of_fee_distributions_redelivered_at_random_the_vaults_nav_is_its_margin_balance(int seed)
    {
        var random = new Random(seed);
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 10_000m);
        await h.DepositToVaultAsync("lp-1", 10_000m, "dep-1");
        await h.ExchangeAsync();
        var paid = (Trading: 0m, Liquidation: 0m);
        var distributions = random.Next(3, 9);
        for (var epoch = 1; epoch <= distributions; epoch++)
        {
            var amount = random.Next(1, 5_000_000) / 100_000_000m * random.Next(1, 1_000);   // up to 8 decimals
            var fromFund = random.Next(2) == 0;
            var message = await h.FeesDistributedAsync(epoch, amount, fromFund ? "system:insurance-fund" : "system:fee-pool");
            paid = fromFund ? (paid.Trading, paid.Liquidation + amount) : (paid.Trading + amount, paid.Liquidation);
            if (random.Next(3) == 0)
            {
                await h.DeliverToMarginAsync(message);   // settlement's relay published it twice
            }

            await h.ExchangeAsync(fromStart: random.Next(3) == 0);   // margin's relay republished the whole ledger
        }

        await h.ExchangeAsync(fromStart: true);
        var vault = await h.VaultAsync();
        var nav = VaultBook.Nav(vault, new Dictionary<string, decimal>(), OneLedgerHarness.T0);

        nav.Nav.ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault), $"seed {seed}");
        (vault.TradingFeeIncome, vault.LiquidationFeeIncome).ShouldBe(paid, $"seed {seed}");
        (await h.VaultEventsAsync()).OfType<FeeIncomeBooked>().Count().ShouldBe(distributions, $"seed {seed}");
        var entries = (await h.LedgerAsync()).Where(e => e.Kind == LedgerEntryKind.FeeDistribution).ToList();
        entries.Count.ShouldBe(distributions, $"seed {seed}");
        entries.ShouldAllBe(e => e.Postings.Sum(p => Amount(p.Amount)) == 0m);
        // The LP, the only holder throughout, was attributed all of it (rounded down by at most a unit per distribution).
        var statement = VaultBook.Statement(vault, "lp-1", nav);
        (paid.Trading + paid.Liquidation - statement.FeeIncome).ShouldBeInRange(0m, distributions * VaultRules.Unit);
    }

    [Fact]
    public async Task a_withdrawal_after_fee_income_pays_out_of_money_margin_holds_and_leaves_nav_equal_to_the_balance()
    {
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 1_000m);
        await h.CreditAsync("lp-2", 3_000m);
        await h.DepositToVaultAsync("lp-1", 1_000m, "dep-1");
        await h.DepositToVaultAsync("lp-2", 3_000m, "dep-2");
        await h.ExchangeAsync();
        await h.FeesDistributedAsync(1, 40m);
        await h.ExchangeAsync();
        await h.VaultBooks.RequestWithdrawalAsync("lp-1", 1_000m, CancellationToken.None);

        h.Time.Advance(new VaultRules { VaultId = "hlp" }.WithdrawalLockup);
        await h.VaultBooks.TickAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        await h.ExchangeAsync();

        (await h.BalanceAsync("lp-1")).ShouldBe(1_010m);   // a quarter of the shares, a quarter of the fee share
        var vault = await h.VaultAsync();
        VaultBook.Nav(vault, new Dictionary<string, decimal>(), OneLedgerHarness.T0).Nav.ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault));
        (await h.BalanceAsync(OneLedgerHarness.Vault)).ShouldBe(3_030m);
    }
}
