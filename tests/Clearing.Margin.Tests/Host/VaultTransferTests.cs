using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Vault.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Integration;
using Microsoft.Extensions.Logging.Abstractions;
using Side = Clearing.Contracts.Orders.V1.Side;

namespace Clearing.Margin.Tests.Host;

/// <summary>
/// LP money into and out of the vault as margin ledger entries: a deposit is one VAULT_DEPOSIT entry (LP debited, the
/// vault's trading account credited), a payout one VAULT_WITHDRAWAL entry; the paying owner's stream holds the entry and
/// the other owner's half is applied from the numbered ledger (VaultTransferMirror), once.
/// </summary>
public sealed class VaultTransferTests
{
    private const string Vault = "vault-hlp";
    private static readonly CancellationToken None = CancellationToken.None;

    private static Task<(IReadOnlyList<object> Events, Account State, long Version)> DepositToVaultAsync(MarginHostHarness host, string lp, decimal amount, string reference) =>
        host.Book.ExecuteAsync(AccountAddress.Parse(lp).Owner,
            (state, prices) => host.Book.Decider.Decide(state, new DepositToVault(lp, Vault, "USDC", amount, reference, MarginHostHarness.T0), prices), None);

    private static async Task SettleAsync(MarginHostHarness host)
    {
        await host.Ledger.CatchUpAsync(None);
        await new VaultTransferMirror(host.Store, host.Book, NullLogger<VaultTransferMirror>.Instance).CatchUpAsync(None);
    }

    private static async Task<List<LedgerEntry>> LedgerAsync(MarginHostHarness host)
    {
        var translator = new MarginOutboxTranslator();
        return [.. (await host.AllAsync()).Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>()
            .Where(m => m.Topic == Topics.MarginLedger).Select(m => LedgerEntry.Parser.ParseFrom(m.Payload))];
    }

    private static decimal Balance(Account account, string asset = "USDC") => account.Sub(0).BalanceOf(asset);

    private static decimal Amount(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public async Task a_deposit_moves_exactly_the_amount_from_the_lp_to_the_vault_as_one_balanced_ledger_entry()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("lp-1", 10_000m);

        await DepositToVaultAsync(host, "lp-1", 2_500.25m, "dep-1");
        await SettleAsync(host);

        Balance((await host.Book.LoadAsync("lp-1", None)).State).ShouldBe(7_499.75m);
        Balance((await host.Book.LoadAsync(Vault, None)).State).ShouldBe(2_500.25m);
        var entry = (await LedgerAsync(host)).Single(e => e.Kind == LedgerEntryKind.VaultDeposit);
        entry.Reference.ShouldBe("dep-1");
        entry.AccountId.ShouldBe("lp-1");
        entry.Postings.Select(p => (p.AccountId, p.Asset, Amount(p.Amount))).ShouldBe([(Vault, "USDC", 2_500.25m), ("lp-1", "USDC", -2_500.25m)], ignoreOrder: true);
        (await LedgerAsync(host)).ShouldAllBe(e => e.Postings.Sum(p => Amount(p.Amount)) == 0m);
    }

    [Fact]
    public async Task a_deposit_beyond_the_lps_free_collateral_is_refused_with_the_reason_and_moves_nothing()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("lp-1", 1_000m);
        var before = await host.AllAsync();

        var refused = await Should.ThrowAsync<AccountRuleException>(() => DepositToVaultAsync(host, "lp-1", 1_000.01m, "dep-1"));
        await SettleAsync(host);

        refused.Message.ShouldContain("1000.01");
        Balance((await host.Book.LoadAsync("lp-1", None)).State).ShouldBe(1_000m);
        Balance((await host.Book.LoadAsync(Vault, None)).State).ShouldBe(0m);
        (await LedgerAsync(host)).ShouldNotContain(e => e.Kind == LedgerEntryKind.VaultDeposit);
        (await host.AllAsync()).Count(e => e.StreamId.StartsWith("account-", StringComparison.Ordinal)).ShouldBe(before.Count(e => e.StreamId.StartsWith("account-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task a_deposit_that_would_breach_the_lps_initial_margin_is_refused()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("lp-1", 10_000m);
        await host.DepositAsync("maker", 1_000_000m);
        await host.PriceAsync(1, 100_000m, 100_000m);
        await host.FillAsync(1, "lp-1", Side.Buy, "maker", 1m, 100_000m);   // 1 BTC at 100 000: initial 2% = 2 000; 9 000 out leaves 1 000

        var refused = await Should.ThrowAsync<AccountRuleException>(() => DepositToVaultAsync(host, "lp-1", 9_000m, "dep-1"));

        refused.Message.ShouldContain("initial margin");
        Balance((await host.Book.LoadAsync(Vault, None)).State).ShouldBe(0m);
    }

    [Fact]
    public async Task a_retried_deposit_and_a_second_pass_of_the_mirror_move_the_money_once()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("lp-1", 10_000m);

        await DepositToVaultAsync(host, "lp-1", 4_000m, "dep-1");
        var retried = await DepositToVaultAsync(host, "lp-1", 4_000m, "dep-1");
        await SettleAsync(host);
        await SettleAsync(host);
        // A mirror whose checkpoint was lost reads the whole ledger again: the vault account's inbox applies nothing twice.
        await host.Store.Checkpoints.SaveAsync(VaultTransferMirror.Checkpoint, -1, None);
        await SettleAsync(host);

        retried.Events.ShouldBeEmpty();
        Balance((await host.Book.LoadAsync("lp-1", None)).State).ShouldBe(6_000m);
        Balance((await host.Book.LoadAsync(Vault, None)).State).ShouldBe(4_000m);
        (await LedgerAsync(host)).Count(e => e.Kind == LedgerEntryKind.VaultDeposit).ShouldBe(1);
    }

    [Fact]
    public async Task a_vault_payout_redelivered_pays_the_lp_once_from_the_vaults_account()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("lp-1", 10_000m);
        await DepositToVaultAsync(host, "lp-1", 10_000m, "dep-1");
        await SettleAsync(host);
        var gateway = new VaultGateway(host.Book);
        var paid = new VaultEvent
        {
            VaultId = "hlp", VaultAccountId = Vault, TimeUnixNanos = ContractText.UnixNanos(MarginHostHarness.T0),
            WithdrawalPaid = new WithdrawalPaid { WithdrawalId = "w-1", LpAccountId = "lp-1", Asset = "USDC", Shares = "5000", Amount = "5100.5", NavBefore = "10201", SharesBefore = "10000" },
        };

        await gateway.HandleAsync(MarginHostHarness.Message(paid, "vault-hlp", 7), None);
        await gateway.HandleAsync(MarginHostHarness.Message(paid, "vault-hlp", 7), None);
        await SettleAsync(host);
        await SettleAsync(host);

        Balance((await host.Book.LoadAsync(Vault, None)).State).ShouldBe(10_000m - 5_100.5m);
        Balance((await host.Book.LoadAsync("lp-1", None)).State).ShouldBe(5_100.5m);
        var payout = (await LedgerAsync(host)).Single(e => e.Kind == LedgerEntryKind.VaultWithdrawal);
        (payout.Reference, payout.AccountId).ShouldBe(("w-1", Vault));
        payout.Postings.Select(p => (p.AccountId, Amount(p.Amount))).ShouldBe([("lp-1", 5_100.5m), (Vault, -5_100.5m)], ignoreOrder: true);
    }

    [Fact]
    public async Task a_deposit_into_an_account_of_the_lps_own_owner_or_a_system_account_is_refused()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("lp-1", 10_000m);

        await Should.ThrowAsync<AccountRuleException>(() => host.Book.ExecuteAsync("lp-1",
            (state, prices) => host.Book.Decider.Decide(state, new DepositToVault("lp-1", "lp-1:2", "USDC", 10m, "dep-1", MarginHostHarness.T0), prices), None));
        await Should.ThrowAsync<AccountRuleException>(() => host.Book.ExecuteAsync("lp-1",
            (state, prices) => host.Book.Decider.Decide(state, new DepositToVault("lp-1", SystemAccounts.InsuranceFund, "USDC", 10m, "dep-1", MarginHostHarness.T0), prices), None));
    }
}
