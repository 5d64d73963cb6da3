using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Domain.Quoting;

namespace Clearing.Vault.Tests.Ledger;

/// <summary>
/// The quoting loop plans against the vault's live quotes, which fills shrink. A fill handled again — a handler retry, or a
/// failed run of messages handled one by one — must shrink its quote once, as the vault's books (inbox) count it once.
/// </summary>
public sealed class LiveQuoteFillTests
{
    private const string Market = "BTC-PERP";

    [Fact]
    public async Task a_fill_of_a_vault_quote_handled_twice_shrinks_the_live_quote_once()
    {
        await using var h = await FundedVaultAsync();
        // The harness's fill at sequence 7 is against the vault's resting quote q-7.
        h.Live.Placed(Market, new LiveQuote("q-7", QuoteSide.Ask, 100_000m, 0.5m));

        var fill = await h.VaultTradesAsync(Market, 7, VaultSide.Sell, 0.2m, 100_000m);
        await h.DeliverFillAsync(fill);

        h.Live.In(Market).ShouldHaveSingleItem().Size.ShouldBe(0.3m);
        (await h.VaultEventsAsync()).OfType<VaultFilled>().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task later_fills_of_the_same_quote_keep_shrinking_it_until_it_is_gone()
    {
        await using var h = await FundedVaultAsync();
        h.Live.Placed(Market, new LiveQuote("q-7", QuoteSide.Ask, 100_000m, 0.5m));
        h.Live.Placed(Market, new LiveQuote("q-8", QuoteSide.Ask, 100_010m, 0.4m));

        await h.VaultTradesAsync(Market, 7, VaultSide.Sell, 0.2m, 100_000m);
        await h.VaultTradesAsync(Market, 8, VaultSide.Sell, 0.4m, 100_010m);

        h.Live.In(Market).ShouldHaveSingleItem().ShouldBe(new LiveQuote("q-7", QuoteSide.Ask, 100_000m, 0.3m));
    }

    /// <summary>A vault with 100,000 USDC of LP capital, a funded counterparty and a BTC mark.</summary>
    private static async Task<OneLedgerHarness> FundedVaultAsync()
    {
        var h = new OneLedgerHarness();
        try
        {
            await h.CreditAsync("lp-1", 100_000m);
            await h.CreditAsync("mm-1", 1_000_000m);
            await h.DepositToVaultAsync("lp-1", 100_000m, "dep-1");
            await h.ExchangeAsync();
            h.SetMark("BTC", Market, 100_000m);
            return h;
        }
        catch
        {
            // The test never gets the harness to dispose: close its stores before the failure goes on.
            await h.DisposeAsync();
            throw;
        }
    }
}
