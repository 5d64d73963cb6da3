using System.Globalization;
using Clearing.Contracts.Margin.V1;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Tests.Ledger;

/// <summary>
/// Funding in one ledger: margin books every funding payment on the vault's open perpetual on vault-hlp (FUNDING, against
/// system:funding-dust), and the vault counts exactly those entries, each once however often either hop redelivers. So
/// the vault's money (collateral − fees owed) is its margin balance while the position is open, its NAV is that balance
/// once flat, and an LP depositing right after a payment buys at the NAV that includes it.
/// </summary>
public sealed class FundingLedgerTests
{
    private const string Market = "BTC-PERP";

    private static decimal Amount(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task after_funding_of_both_signs_redelivered_at_random_the_vaults_money_is_its_margin_balance(int seed)
    {
        var random = new Random(seed);
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 100_000m);
        await h.CreditAsync("mm-1", 1_000_000m);
        await h.DepositToVaultAsync("lp-1", 100_000m, "dep-1");
        await h.ExchangeAsync();
        h.SetMark("BTC", Market, 50_000m);
        var side = random.Next(2) == 0 ? VaultSide.Buy : VaultSide.Sell;
        var size = random.Next(1, 200) / 100m;
        var fill = await h.VaultTradesAsync(Market, 1, side, size, 50_000m);
        var intervals = random.Next(4, 10);
        for (var i = 1; i <= intervals; i++)
        {
            // Both signs in every run: the first two intervals pay each way, the rest at random (up to ±0.1% per interval).
            var rate = (i switch { 1 => 1, 2 => -1, _ => random.Next(2) == 0 ? 1 : -1 }) * random.Next(1_000, 1_000_000) / 1_000_000_000m;
            var mark = 50_000m + random.Next(-5_000_00, 5_000_00) / 100m;
            var message = await h.FundingAsync(Market, i, rate, mark);
            if (random.Next(3) == 0)
            {
                await h.DeliverFundingAsync(message);   // the funding relay published it twice
            }

            if (random.Next(4) == 0)
            {
                await h.DeliverFillAsync(fill);   // matching's relay too
            }

            await h.ExchangeAsync(fromStart: random.Next(3) == 0);   // margin's relay republished the whole ledger
            var vault = await h.VaultAsync();
            (vault.Collateral - vault.FeesOwed).ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault), $"seed {seed}, interval {i}");
        }

        var entries = (await h.LedgerAsync()).Where(e => e.Kind == LedgerEntryKind.Funding && e.Postings.Any(p => p.AccountId == OneLedgerHarness.Vault)).ToList();
        var booked = (await h.VaultEventsAsync()).OfType<FundingBooked>().ToList();
        booked.Count.ShouldBe(entries.Count, $"seed {seed}");
        booked.Select(b => b.LedgerSequence).ShouldBe(entries.Select(e => e.Sequence), $"seed {seed}");
        booked.ShouldContain(b => b.Amount > 0, $"seed {seed}: the vault received funding at least once");
        booked.ShouldContain(b => b.Amount < 0, $"seed {seed}: and paid it at least once");
        var paidOnLedger = entries.Sum(e => e.Postings.Where(p => p.AccountId == OneLedgerHarness.Vault).Sum(p => Amount(p.Amount)));
        (await h.VaultAsync()).Funding.ShouldBe(paidOnLedger, $"seed {seed}");
        (await h.VaultAsync()).FundingByMarket[Market].ShouldBe(paidOnLedger, $"seed {seed}");

        // Flat again: NAV is the margin balance to the last unit.
        await h.VaultTradesAsync(Market, 2, side == VaultSide.Buy ? VaultSide.Sell : VaultSide.Buy, size, 50_000m + random.Next(-1_000, 1_000));
        await h.ExchangeAsync(fromStart: true);
        var flat = await h.VaultAsync();
        VaultBook.Nav(flat, h.Prices.Marks, OneLedgerHarness.T0).Nav.ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault), $"seed {seed}");
    }

    /// <summary>
    /// Fee distributions, funding of both signs and a second LP's deposits, in random order, every hop redelivering at
    /// random: each deposit is priced at a NAV per share no lower than before it, and once flat NAV is the margin balance.
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public async Task fee_income_funding_and_deposits_interleaved_and_redelivered_keep_nav_the_margin_balance_and_never_dilute(int seed)
    {
        var random = new Random(seed);
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 50_000m);
        await h.CreditAsync("lp-2", 50_000m);
        await h.CreditAsync("mm-1", 1_000_000m);
        await h.DepositToVaultAsync("lp-1", 50_000m, "dep-1");
        await h.ExchangeAsync();
        h.SetMark("BTC", Market, 50_000m);
        var side = random.Next(2) == 0 ? VaultSide.Buy : VaultSide.Sell;
        await h.VaultTradesAsync(Market, 1, side, 1.5m, 50_000m);
        long funding = 0, epoch = 0, deposits = 0;
        for (var step = 0; step < 12; step++)
        {
            switch (random.Next(3))
            {
                case 0:
                    var message = await h.FundingAsync(Market, ++funding, (random.Next(2) == 0 ? 1 : -1) * random.Next(1_000, 500_000) / 1_000_000_000m, 50_000m);
                    if (random.Next(3) == 0)
                    {
                        await h.DeliverFundingAsync(message);
                    }

                    break;
                case 1:
                    var fees = await h.FeesDistributedAsync(++epoch, random.Next(1, 10_000_000) / 100_000m);
                    if (random.Next(3) == 0)
                    {
                        await h.DeliverToMarginAsync(fees);
                    }

                    break;
                default:
                    await h.ExchangeAsync();
                    var before = VaultBook.Nav(await h.VaultAsync(), h.Prices.Marks, OneLedgerHarness.T0);
                    await h.DepositToVaultAsync("lp-2", random.Next(10, 5_000), $"dep-2-{++deposits}");
                    await h.ExchangeAsync();
                    var after = VaultBook.Nav(await h.VaultAsync(), h.Prices.Marks, OneLedgerHarness.T0);
                    (after.Nav * before.Shares).ShouldBeGreaterThanOrEqualTo(before.Nav * after.Shares, $"seed {seed}, step {step}: a deposit diluted the LPs");
                    break;
            }

            await h.ExchangeAsync(fromStart: random.Next(4) == 0);
            var vault = await h.VaultAsync();
            (vault.Collateral - vault.FeesOwed).ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault), $"seed {seed}, step {step}");
        }

        await h.VaultTradesAsync(Market, 2, side == VaultSide.Buy ? VaultSide.Sell : VaultSide.Buy, 1.5m, 50_250m);
        await h.ExchangeAsync(fromStart: true);
        VaultBook.Nav(await h.VaultAsync(), h.Prices.Marks, OneLedgerHarness.T0).Nav.ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault), $"seed {seed}");
        (await h.VaultEventsAsync()).OfType<FundingBooked>().Count()
            .ShouldBe((await h.LedgerAsync()).Count(e => e.Kind == LedgerEntryKind.Funding && e.Postings.Any(p => p.AccountId == OneLedgerHarness.Vault)), $"seed {seed}");
    }

    [Theory]
    [InlineData("0.0004")]
    [InlineData("-0.0004")]
    public async Task a_deposit_right_after_a_funding_payment_is_priced_at_the_nav_that_includes_it(string rateText)
    {
        var rate = Amount(rateText);
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 10_000m);
        await h.CreditAsync("lp-2", 10_000m);
        await h.CreditAsync("mm-1", 1_000_000m);
        await h.DepositToVaultAsync("lp-1", 10_000m, "dep-1");
        await h.ExchangeAsync();
        h.SetMark("BTC", Market, 50_000m);
        await h.VaultTradesAsync(Market, 1, VaultSide.Buy, 1m, 50_000m);   // long 1 BTC: a positive rate makes the vault pay
        await h.FundingAsync(Market, 1, rate, 50_000m);
        await h.ExchangeAsync();
        var before = await h.VaultAsync();
        var navBefore = VaultBook.Nav(before, h.Prices.Marks, OneLedgerHarness.T0);
        navBefore.Nav.ShouldBe(10_000m - 1m * 50_000m * rate);   // funding = −size × mark × rate, already in NAV

        await h.DepositToVaultAsync("lp-2", 10_000m, "dep-2");
        await h.ExchangeAsync();

        var deposited = (await h.VaultEventsAsync()).OfType<VaultDeposited>().Single(d => d.Reference == "dep-2");
        deposited.NavBefore.ShouldBe(navBefore.Nav);
        deposited.SharesMinted.ShouldBe(ExactMathFloor(10_000m * 10_000m / navBefore.Nav));
        var after = VaultBook.Nav(await h.VaultAsync(), h.Prices.Marks, OneLedgerHarness.T0);
        after.SharePrice.ShouldBeGreaterThanOrEqualTo(navBefore.SharePrice);   // no dilution either way
        (after.Nav / after.Shares).ShouldBeGreaterThanOrEqualTo(navBefore.Nav / navBefore.Shares);
        // lp-1 alone bore the funding: lp-2's shares are worth what it paid, to the rounding unit.
        var statement = VaultBook.Statement(await h.VaultAsync(), "lp-2", after);
        (10_000m - statement.Value).ShouldBeInRange(0m, 2 * VaultRules.Unit);
    }

    private static decimal ExactMathFloor(decimal value) => Math.Floor(value * 100_000_000m) / 100_000_000m;
}
