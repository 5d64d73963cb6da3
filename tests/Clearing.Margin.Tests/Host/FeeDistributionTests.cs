using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Settlement.V1;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Integration;

namespace Clearing.Margin.Tests.Host;

/// <summary>
/// Settlement's FeesDistributed booked by margin: each share one balanced FEE_DISTRIBUTION entry on the credited account,
/// out of the fee pool (its split) or the insurance fund (the vault's liquidation-fee share), once per message.
/// </summary>
public sealed class FeeDistributionTests
{
    private const string Vault = "vault-hlp";
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<List<LedgerEntry>> LedgerAsync(MarginHostHarness host)
    {
        await host.Ledger.CatchUpAsync(None);
        var translator = new MarginOutboxTranslator();
        return [.. (await host.AllAsync()).Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>()
            .Where(m => m.Topic == Topics.MarginLedger).Select(m => LedgerEntry.Parser.ParseFrom(m.Payload))];
    }

    private static decimal Amount(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    private static SettlementEvent Fees(long epoch, string paidFrom, string reference, params (string Account, string Amount)[] shares) => new()
    {
        Key = "epoch", Sequence = epoch,
        FeesDistributed = new FeesDistributed
        {
            Epoch = epoch, Asset = "USDC", Amount = shares.Sum(s => Amount(s.Amount)).ToString(CultureInfo.InvariantCulture), PaidFromAccountId = paidFrom, Reference = reference,
            Shares = { shares.Select(s => new Share { AccountId = s.Account, Amount = s.Amount }) },
        },
    };

    [Fact]
    public void a_fee_share_to_the_vault_is_one_balanced_fee_distribution_line_out_of_the_pool_it_names()
    {
        var decider = new Accounts.MarginWorld().Decider;
        var command = new CreditFeeShare(Vault, "USDC", 20m, "liquidation-fees-3-USDC", new MessageSource("settlement-epoch", 4), MarginHostHarness.T0, SystemAccounts.InsuranceFund);

        var line = decider.Decide(Account.Empty(Vault), command, RiskPrices.Empty).OfType<IMovesMoney>().Single().LedgerLines.Single();

        (line.Kind, line.Reference, line.IsBalanced).ShouldBe((LedgerKind.FeeDistribution, "liquidation-fees-3-USDC", true));
        line.Postings.ShouldBe([new Clearing.Margin.Domain.Accounts.Posting(Vault, "USDC", 20m), new Clearing.Margin.Domain.Accounts.Posting(SystemAccounts.InsuranceFund, "USDC", -20m)]);
    }

    [Fact]
    public void a_fee_share_paid_out_of_anything_but_the_fee_pool_or_the_insurance_fund_is_refused()
    {
        var decider = new Accounts.MarginWorld().Decider;
        var command = new CreditFeeShare(Vault, "USDC", 20m, "fees-3-USDC", new MessageSource("settlement-epoch", 4), MarginHostHarness.T0, "acct-1");

        Should.Throw<ArgumentException>(() => decider.Decide(Account.Empty(Vault), command, RiskPrices.Empty)).Message.ShouldContain("not 'acct-1'");
    }

    [Fact]
    public async Task the_vaults_fee_pool_and_liquidation_fee_shares_credit_vault_hlp_once_each_as_balanced_entries()
    {
        await using var host = new MarginHostHarness();
        var gateway = new SettlementGateway(host.Book);
        var pool = Fees(3, "system:fee-pool", "fees-3-USDC", ("system:insurance-fund", "5"), ("system:treasury", "3"), (Vault, "2"));
        var liquidation = Fees(3, "system:insurance-fund", "liquidation-fees-3-USDC", (Vault, "20.00000001"));
        // Written before paid_from/reference existed: the fee pool's split under the old reference.
        var old = Fees(2, string.Empty, string.Empty, (Vault, "1.5"));

        await gateway.HandleAsync(MarginHostHarness.Message(pool, "epoch-3", 1), None);
        await gateway.HandleAsync(MarginHostHarness.Message(liquidation, "epoch-3", 2), None);
        await gateway.HandleAsync(MarginHostHarness.Message(liquidation, "epoch-3", 2), None);   // redelivered
        await gateway.HandleAsync(MarginHostHarness.Message(old, "epoch-2", 5), None);

        (await host.Book.LoadAsync(Vault, None)).State.Sub(0).BalanceOf("USDC").ShouldBe(2m + 20.00000001m + 1.5m);
        var toVault = (await LedgerAsync(host)).Where(e => e.Kind == LedgerEntryKind.FeeDistribution && e.Postings.Any(p => p.AccountId == Vault)).ToList();
        toVault.Select(e => e.Reference).ShouldBe(["fees-3-USDC", "liquidation-fees-3-USDC", "fees-2-USDC"]);
        toVault.Select(e => e.Postings.Single(p => p.AccountId != Vault).AccountId).ShouldBe(["system:fee-pool", "system:insurance-fund", "system:fee-pool"]);
        toVault.ShouldAllBe(e => e.Postings.Sum(p => Amount(p.Amount)) == 0m && e.AccountId == Vault);
    }
}
