using System.Globalization;
using Clearing.Contracts.Margin.V1;
using Clearing.Margin.Domain.Accounts;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Tests.Ledger;

/// <summary>
/// LP money in one ledger: margin is the gatekeeper (it moves the LP's collateral to the vault's trading account or
/// refuses), the vault mints shares only for a deposit margin booked, and a payout the vault decides at the payout-time
/// NAV is booked by margin from the vault's account back to the LP. Vault collateral and the vault account's margin
/// balance stay equal while no fee share or trading has moved money only in the vault's books.
/// </summary>
public sealed class OneLedgerTests
{
    private static decimal Amount(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public async Task a_deposit_moves_exactly_the_amount_from_the_lp_to_the_vault_in_the_margin_ledger_and_the_vault_mints_shares_for_it()
    {
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 50_000m);

        await h.DepositToVaultAsync("lp-1", 12_345.67m, "dep-1");
        await h.ExchangeAsync();

        (await h.BalanceAsync("lp-1")).ShouldBe(50_000m - 12_345.67m);
        (await h.BalanceAsync(OneLedgerHarness.Vault)).ShouldBe(12_345.67m);
        var ledger = await h.LedgerAsync();
        var deposit = ledger.Single(e => e.Kind == LedgerEntryKind.VaultDeposit);
        deposit.Postings.Select(p => (p.AccountId, Amount(p.Amount))).ShouldBe([(OneLedgerHarness.Vault, 12_345.67m), ("lp-1", -12_345.67m)], ignoreOrder: true);
        ledger.ShouldAllBe(e => e.Postings.Sum(p => Amount(p.Amount)) == 0m);
        var vault = await h.VaultAsync();
        vault.Collateral.ShouldBe(12_345.67m);
        vault.Holdings["lp-1"].Shares.ShouldBe(12_345.67m);   // the first deposit is priced at 1
        (await h.VaultEventsAsync()).OfType<VaultDeposited>().Single().Postings
            .ShouldBe([new VaultPosting("lp-1", "USDC", -12_345.67m), new VaultPosting(OneLedgerHarness.Vault, "USDC", 12_345.67m)]);
    }

    [Fact]
    public async Task a_deposit_with_insufficient_collateral_issues_no_shares_and_moves_nothing()
    {
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 1_000m);

        var refused = await Should.ThrowAsync<AccountRuleException>(() => h.DepositToVaultAsync("lp-1", 5_000m, "dep-1"));
        await h.ExchangeAsync();

        refused.Message.ShouldContain("lp-1 has 1000 USDC free");
        (await h.BalanceAsync("lp-1")).ShouldBe(1_000m);
        (await h.BalanceAsync(OneLedgerHarness.Vault)).ShouldBe(0m);
        (await h.LedgerAsync()).ShouldNotContain(e => e.Kind == LedgerEntryKind.VaultDeposit);
        (await h.VaultEventsAsync()).ShouldBeEmpty();
        (await h.VaultAsync()).TotalShares.ShouldBe(0m);
    }

    [Fact]
    public async Task a_redelivered_deposit_confirmation_and_a_retried_deposit_move_the_money_once_and_mint_once()
    {
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 10_000m);

        await h.DepositToVaultAsync("lp-1", 4_000m, "dep-1");
        await h.DepositToVaultAsync("lp-1", 4_000m, "dep-1");      // the client retried after a lost reply
        await h.ExchangeAsync();
        await h.ExchangeAsync(fromStart: true);                    // both relays republish everything
        await h.ExchangeAsync(fromStart: true);

        (await h.BalanceAsync("lp-1")).ShouldBe(6_000m);
        (await h.BalanceAsync(OneLedgerHarness.Vault)).ShouldBe(4_000m);
        (await h.LedgerAsync()).Count(e => e.Kind == LedgerEntryKind.VaultDeposit).ShouldBe(1);
        (await h.VaultEventsAsync()).OfType<VaultDeposited>().Count().ShouldBe(1);
        (await h.VaultAsync()).TotalShares.ShouldBe(4_000m);
    }

    [Fact]
    public async Task a_withdrawal_pays_out_at_the_payout_time_nav_through_the_margin_ledger()
    {
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 10_000m);
        await h.CreditAsync("lp-2", 10_000m);
        await h.DepositToVaultAsync("lp-1", 10_000m, "dep-1");
        await h.DepositToVaultAsync("lp-2", 10_000m, "dep-2");
        await h.ExchangeAsync();
        var requested = (await h.VaultBooks.RequestWithdrawalAsync("lp-1", 4_000m, CancellationToken.None)).OfType<WithdrawalRequested>().Single();
        // NAV rises while the shares are locked (they stay at the vault's risk): half of a 333.33 liquidation fee, paid by
        // an epoch close out of the insurance fund into the vault's account.
        await h.FeesDistributedAsync(1, 166.665m, "system:insurance-fund");
        await h.ExchangeAsync();
        await h.VaultBooks.TickAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        (await h.VaultEventsAsync()).OfType<WithdrawalPaid>().ShouldBeEmpty("still locked up");

        h.Time.Advance(new VaultRules { VaultId = "hlp" }.WithdrawalLockup);
        await h.VaultBooks.TickAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        await h.ExchangeAsync();
        await h.ExchangeAsync(fromStart: true);                    // a redelivered payout pays once

        var paid = (await h.VaultEventsAsync()).OfType<WithdrawalPaid>().Single();
        paid.WithdrawalId.ShouldBe(requested.WithdrawalId);
        paid.NavBefore.ShouldBe(20_000m + 166.665m);
        paid.Amount.ShouldBe(ExactMath.MulDivFloor(4_000m, 20_166.665m, 20_000m, 8));   // 4 033.333
        (await h.BalanceAsync("lp-1")).ShouldBe(paid.Amount);
        (await h.BalanceAsync(OneLedgerHarness.Vault)).ShouldBe(20_166.665m - paid.Amount);   // the fee share is money in margin too
        var payout = (await h.LedgerAsync()).Single(e => e.Kind == LedgerEntryKind.VaultWithdrawal);
        (payout.Reference, payout.AccountId).ShouldBe((requested.WithdrawalId, OneLedgerHarness.Vault));
        payout.Postings.Select(p => (p.AccountId, Amount(p.Amount))).ShouldBe([("lp-1", paid.Amount), (OneLedgerHarness.Vault, -paid.Amount)], ignoreOrder: true);
        (await h.LedgerAsync()).ShouldAllBe(e => e.Postings.Sum(p => Amount(p.Amount)) == 0m);
        (await h.VaultAsync()).Holdings["lp-1"].Shares.ShouldBe(6_000m);
    }

    [Fact]
    public async Task a_deposit_the_vault_refuses_is_returned_to_the_lp_through_the_ledger_with_the_reason()
    {
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 1_000m);

        await h.DepositToVaultAsync("lp-1", 5m, "dep-small");     // margin moves it; the vault's minimum is 10
        await h.ExchangeAsync();
        await h.ExchangeAsync(fromStart: true);

        var returned = (await h.VaultEventsAsync()).OfType<DepositReturned>().Single();
        returned.Reason.ShouldContain("below the minimum");
        (await h.BalanceAsync("lp-1")).ShouldBe(1_000m);
        (await h.BalanceAsync(OneLedgerHarness.Vault)).ShouldBe(0m);
        var ledger = await h.LedgerAsync();
        ledger.Single(e => e.Kind == LedgerEntryKind.VaultWithdrawal).Reference.ShouldBe("dep-small");
        (await h.VaultAsync()).TotalShares.ShouldBe(0m);
        returned.Postings.GroupBy(p => p.AccountId).ShouldAllBe(g => g.Sum(p => p.Amount) == 0m);
    }
}
