using System.Globalization;
using Clearing.Contracts.Margin.V1;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Tests.Ledger;

/// <summary>
/// Expiry in one ledger: settlement's price closes the vault's dated positions in margin (EXPIRY_SETTLEMENT on vault-hlp)
/// and in the vault's books (ExpirySettled, from the same message), so once they are closed NAV is the margin balance to
/// the unit — even after a partial reduction margin and the vault rounded differently — and the ledger's copy of that
/// realized PnL is not counted a second time.
/// </summary>
public sealed class ExpiryLedgerTests
{
    private const string Future = "BTC-26MAR27";

    private static decimal Amount(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(VaultSide.Buy, "52000")]
    [InlineData(VaultSide.Sell, "52000")]
    [InlineData(VaultSide.Buy, "47000.5")]
    public async Task a_future_the_vault_holds_at_expiry_closes_at_the_settlement_price_and_nav_equals_the_margin_balance(VaultSide side, string priceText)
    {
        var price = Amount(priceText);
        var back = side == VaultSide.Buy ? VaultSide.Sell : VaultSide.Buy;
        await using var h = new OneLedgerHarness();
        await h.CreditAsync("lp-1", 100_000m);
        await h.CreditAsync("mm-1", 1_000_000m);
        await h.DepositToVaultAsync("lp-1", 100_000m, "dep-1");
        await h.ExchangeAsync();
        h.SetMark("BTC", Future, 50_000m);
        // 1 at 50000.01 and 2 at 50000.02, then 1 back: a third of the cost does not divide evenly, and margin rounds the
        // released cost up at its own decimals while the vault rounds at 8: their cost bases differ by a rounding unit.
        await h.VaultTradesAsync(Future, 1, side, 1m, 50_000.01m);
        await h.VaultTradesAsync(Future, 2, side, 2m, 50_000.02m);
        await h.VaultTradesAsync(Future, 3, back, 1m, 51_000m);
        await h.ExchangeAsync();

        var message = await h.ExpiryAsync(Future, price);
        await h.DeliverExpiryAsync(message);   // settlement's relay published it twice
        await h.ExchangeAsync(fromStart: true);

        var vault = await h.VaultAsync();
        vault.Positions[Future].Size.ShouldBe(0m);
        VaultBook.Nav(vault, new Dictionary<string, decimal>(), OneLedgerHarness.T0).Nav.ShouldBe(await h.BalanceAsync(OneLedgerHarness.Vault));
        var settled = (await h.VaultEventsAsync()).OfType<ExpirySettled>().ShouldHaveSingleItem();
        (settled.SettlementPrice, settled.Value, settled.SizeBefore).ShouldBe((price, price, side == VaultSide.Buy ? 2m : -2m));
        var entry = (await h.LedgerAsync()).Single(e => e.Kind == LedgerEntryKind.ExpirySettlement && e.Postings.Any(p => p.AccountId == OneLedgerHarness.Vault));
        // Within the rounding units of the earlier reduction (margin released its cost rounded up at its own decimals).
        (settled.RealizedPnl - Amount(entry.Postings.Single(p => p.AccountId == OneLedgerHarness.Vault).Amount)).ShouldBeInRange(-0.000001m, 0.000001m);
    }

    [Fact]
    public void an_option_settles_at_its_intrinsic_value_and_worthless_out_of_the_money()
    {
        var catalog = Clearing.Primitives.Markets.MarketCatalog.EmbeddedDefaults;
        var call = catalog.All.First(m => m.Kind == Clearing.Primitives.Markets.MarketKind.Option && m.Right == Clearing.Primitives.Markets.OptionRight.Call);
        var put = catalog.All.First(m => m.Kind == Clearing.Primitives.Markets.MarketKind.Option && m.Right == Clearing.Primitives.Markets.OptionRight.Put);

        Clearing.Vault.Integration.SettlementInput.ValueAtExpiry(call, call.Strike!.Value + 1_000m).ShouldBe(1_000m);
        Clearing.Vault.Integration.SettlementInput.ValueAtExpiry(call, call.Strike!.Value - 1_000m).ShouldBe(0m);
        Clearing.Vault.Integration.SettlementInput.ValueAtExpiry(put, put.Strike!.Value - 250m).ShouldBe(250m);
        Should.Throw<FormatException>(() => Clearing.Vault.Integration.SettlementInput.ValueAtExpiry(catalog.Get("BTC-PERP"), 50_000m));
    }
}
