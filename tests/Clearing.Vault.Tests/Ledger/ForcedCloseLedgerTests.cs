using Clearing.Contracts.Margin.V1;
using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;
using static Clearing.Vault.Tests.Support.VaultGiven;

namespace Clearing.Vault.Tests.Ledger;

/// <summary>
/// Positions liquidation closes outside the book: ADL with the vault as the profitable counterparty (margin closes its
/// position at the ADL price, LEDGER_ENTRY_KIND_ADL), the fund taking over the vault's own position, and the fund covering
/// a deficit left on its account. The vault's books follow margin's, and the ledger's realized-PnL copy counts once.
/// </summary>
public sealed class ForcedCloseLedgerTests
{
    private const string Market = "BTC-PERP";

    [Fact]
    public async Task adl_against_the_vault_closes_its_position_at_the_adl_price_as_margin_does_and_nav_stays_the_margin_balance()
    {
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 100_000m);
        await h.CreditAsync("mm-1", 1_000_000m);
        await h.DepositToVaultAsync("lp-1", 100_000m, "dep-1");
        await h.ExchangeAsync();
        h.SetMark("BTC", Market, 50_000m);
        await h.VaultTradesAsync(Market, 1, VaultSide.Buy, 1m, 48_000m);   // the vault long 1, mm-1 short 1: the vault is in profit at 50 000

        var adl = await h.AdlAsync("mm-1", OneLedgerHarness.Vault, Market, 0.4m, 50_000m);
        await h.DeliverLiquidationAsync(adl);   // liquidation's relay published it twice
        await h.ExchangeAsync(fromStart: true);

        var vault = await h.VaultAsync();
        vault.Positions[Market].Size.ShouldBe(0.6m);
        var closed = (await h.VaultEventsAsync()).OfType<PositionForceClosed>().ShouldHaveSingleItem();
        (closed.Cause, closed.Quantity, closed.Price, closed.RealizedPnl).ShouldBe((ForcedCloseCause.Adl, -0.4m, 50_000m, 800m));
        var entry = (await h.LedgerAsync()).Single(e => e.Kind == LedgerEntryKind.Adl && e.Postings.Any(p => p.AccountId == OneLedgerHarness.Vault));
        entry.Postings.Single(p => p.AccountId == OneLedgerHarness.Vault).Amount.ShouldBe("800");
        (vault.Collateral - vault.FeesOwed).ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault));

        await h.VaultTradesAsync(Market, 2, VaultSide.Sell, 0.6m, 49_000m);
        await h.ExchangeAsync();
        VaultBook.Nav(await h.VaultAsync(), h.Prices.Marks, OneLedgerHarness.T0).Nav.ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault));
    }

    [Fact]
    public void the_fund_taking_over_the_vaults_own_position_closes_no_more_than_is_open()
    {
        var rules = Rules();
        var state = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000m, "dep-1", NoMarks, T0));
        state = Apply(state, VaultBook.OnFill(state, rules, new VaultFillInput(Market, "f-1", "q-1", VaultSide.Sell, 0.5m, 40_000m, 0m, T0, Source())));

        var events = VaultBook.OnForcedClose(state, rules, new ForcedCloseInput(Market, ForcedCloseCause.InsuranceTakeover, 2m, 41_000m, "vault-hlp:1#3", T0, Source("liquidation-vault-hlp")));
        state = Apply(state, events);

        var closed = events.OfType<PositionForceClosed>().ShouldHaveSingleItem();
        (closed.Quantity, closed.RealizedPnl, closed.SizeAfter).ShouldBe((0.5m, -500m, 0m));
        state.Collateral.ShouldBe(500m);
        closed.Postings.Sum(p => p.Amount).ShouldBe(0m);
    }

    [Fact]
    public void a_deficit_the_fund_covers_is_money_in_once_and_a_debit_is_refused()
    {
        var rules = Rules();
        var state = VaultState.Empty("hlp");
        var cover = new DeficitCoverInput(Market, "system:insurance-fund", "USDC", 12.5m, "vault-hlp:1#4", "e-7", 7, T0, new MessageSource("ledger-main", 900_001));

        state = Apply(state, VaultBook.OnDeficitCover(state, rules, cover));

        state.Collateral.ShouldBe(12.5m);
        VaultBook.OnDeficitCover(state, rules, cover).ShouldBeEmpty();
        Should.Throw<VaultRefusedException>(() => VaultBook.OnDeficitCover(state, rules, cover with { Amount = -1m, Source = new MessageSource("ledger-main", 900_002) }))
            .Message.ShouldContain("only credits");
    }
}
