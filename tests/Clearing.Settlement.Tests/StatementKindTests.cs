using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Ledger;
using Contract = Clearing.Contracts.Margin.V1.LedgerEntryKind;

namespace Clearing.Settlement.Tests;

public sealed class StatementKindTests
{
    [Fact]
    public void every_kind_of_ledger_entry_margin_publishes_has_its_own_name_on_statements()
    {
        var published = Enum.GetValues<Contract>().Where(k => k != Contract.Unspecified).ToList();

        var names = published.Select(k => StatementFormats.KindCode((LedgerEntryKind)(int)k)).ToList();

        names.ShouldNotContain("unspecified");
        names.Distinct().Count().ShouldBe(published.Count);
    }

    [Fact]
    public void transfers_and_vault_money_are_named_on_statements()
    {
        StatementFormats.KindCode((LedgerEntryKind)(int)Contract.Transfer).ShouldBe("transfer");
        StatementFormats.KindCode((LedgerEntryKind)(int)Contract.VaultDeposit).ShouldBe("vault-deposit");
        StatementFormats.KindCode((LedgerEntryKind)(int)Contract.VaultWithdrawal).ShouldBe("vault-withdrawal");
    }
}
