using Clearing.Settlement.Domain.Ledger;
using static Clearing.Settlement.Tests.Entries;

namespace Clearing.Settlement.Tests;

public sealed class LedgerTests
{
    [Fact]
    public void balanced_entries_move_balances_and_keep_every_asset_at_zero()
    {
        var book = new LedgerBook();
        book.Apply(Deposit(1, "acct-1", 1000m)).Status.ShouldBe(LedgerApplyStatus.Applied);
        book.Apply(Transfer(2, "acct-1", LedgerAccounts.FeePool, 2.5m, LedgerEntryKind.TradingFee)).Status.ShouldBe(LedgerApplyStatus.Applied);

        book.Balance("acct-1", "USDC").ShouldBe(997.5m);
        book.Balance(LedgerAccounts.FeePool, "USDC").ShouldBe(2.5m);
        book.Balance(LedgerAccounts.External, "USDC").ShouldBe(-1000m);
        book.SumByAsset["USDC"].ShouldBe(0m);
        LedgerInvariants.Check(book).ShouldBeEmpty();
    }

    [Fact]
    public void unbalanced_entry_is_rejected_naming_the_asset_and_its_sum()
    {
        var book = new LedgerBook();
        var outcome = book.Apply(Entry(1, LedgerEntryKind.Deposit, (LedgerAccounts.External, "USDC", -10m), ("acct-1", "USDC", 10.5m)));

        outcome.Status.ShouldBe(LedgerApplyStatus.Rejected);
        outcome.Reason!.ShouldContain("unbalanced: its USDC postings sum to 0.5, not 0");
        book.Balance("acct-1", "USDC").ShouldBe(0m);
        book.LastSequence.ShouldBe(1);
        book.Rejections.Single().Sequence.ShouldBe(1);
    }

    [Fact]
    public void an_entry_balanced_in_one_asset_but_not_another_is_rejected()
    {
        var book = new LedgerBook();
        var outcome = book.Apply(Entry(1, LedgerEntryKind.RealizedPnl, ("a", "USDC", -5m), ("b", "USDC", 5m), ("a", "BTC", 1m)));
        outcome.Status.ShouldBe(LedgerApplyStatus.Rejected);
        outcome.Reason!.ShouldContain("BTC postings sum to 1");
    }

    [Theory]
    [InlineData("", "entry at sequence 1 has no entry id")]
    [InlineData("one-posting", "has 1 posting(s)")]
    [InlineData("zero", "moves zero")]
    public void malformed_entries_are_rejected_with_their_reason(string shape, string reason)
    {
        var entry = shape switch
        {
            "" => Deposit(1, "a", 1m) with { EntryId = "" },
            "one-posting" => Entry(1, LedgerEntryKind.Deposit, ("a", "USDC", 1m)),
            _ => Entry(1, LedgerEntryKind.Deposit, ("a", "USDC", 0m), ("b", "USDC", 0m)),
        };

        new LedgerBook().Apply(entry).Reason!.ShouldContain(reason);
    }

    [Fact]
    public void an_entry_after_a_gap_waits_and_applies_once_the_gap_fills()
    {
        var book = new LedgerBook();
        book.Apply(Deposit(1, "a", 10m));
        var parked = book.Apply(Deposit(4, "a", 40m));

        parked.Status.ShouldBe(LedgerApplyStatus.Parked);
        parked.Reason.ShouldBe("sequence gap: expected 2, got 4; entries 2..3 are missing, so this one waits");
        book.OpenGap.ShouldBe((2L, 3L));
        book.Balance("a", "USDC").ShouldBe(10m);

        book.Apply(Deposit(3, "a", 30m)).Status.ShouldBe(LedgerApplyStatus.Parked);
        var filled = book.Apply(Deposit(2, "a", 20m));

        filled.Status.ShouldBe(LedgerApplyStatus.Applied);
        filled.Applied.Select(e => e.Sequence).ShouldBe([2L, 3L, 4L]);
        book.OpenGap.ShouldBeNull();
        book.Balance("a", "USDC").ShouldBe(100m);
    }

    [Fact]
    public void a_repeated_entry_is_ignored()
    {
        var book = new LedgerBook();
        book.Apply(Deposit(1, "a", 10m));
        book.Apply(Deposit(1, "a", 10m)).Status.ShouldBe(LedgerApplyStatus.Duplicate);
        book.Apply(Deposit(3, "a", 10m));
        book.Apply(Deposit(3, "a", 10m)).Status.ShouldBe(LedgerApplyStatus.Duplicate);
        book.Balance("a", "USDC").ShouldBe(10m);
    }

    [Fact]
    public void a_rejected_entry_parked_behind_a_gap_is_rejected_when_its_turn_comes()
    {
        var book = new LedgerBook();
        book.Apply(Entry(2, LedgerEntryKind.Deposit, ("x", "USDC", 1m), ("y", "USDC", 2m))).Status.ShouldBe(LedgerApplyStatus.Parked);
        var outcome = book.Apply(Deposit(1, "a", 5m));

        outcome.Status.ShouldBe(LedgerApplyStatus.Applied);
        outcome.Rejected.Single().Sequence.ShouldBe(2);
        book.LastSequence.ShouldBe(2);
        LedgerInvariants.Check(book).ShouldBeEmpty();
    }

    [Fact]
    public void movements_record_the_balance_after_each_posting_and_a_new_epoch_starts_from_the_closing_balance()
    {
        var book = new LedgerBook();
        book.Apply(Deposit(1, "a", 10m));
        book.Apply(Transfer(2, "a", "b", 4m));
        var line = book.Account("a")!.Find("USDC")!;
        line.Movements.Select(m => (m.Sequence, m.Amount, m.BalanceAfter)).ShouldBe([(1L, 10m, 10m), (2L, -4m, 6m)]);

        book.BeginNextEpoch();

        line.Opening.ShouldBe(6m);
        line.Movements.ShouldBeEmpty();
        book.EpochFirstSequence.ShouldBe(3);
        LedgerInvariants.Check(book).ShouldBeEmpty();
    }

    [Fact]
    public void liabilities_exclude_system_accounts_and_clamp_deficits_at_zero()
    {
        var book = new LedgerBook();
        book.Apply(Deposit(1, "a", 100m));
        book.Apply(Deposit(2, "b", 50m));
        book.Apply(Transfer(3, "b", "a", 80m)); // b goes 30 into deficit
        book.Apply(Transfer(4, "a", LedgerAccounts.FeePool, 1m, LedgerEntryKind.TradingFee));

        var summary = LedgerInvariants.Summarize(book, "USDC");

        summary.TotalLiabilities.ShouldBe(179m);
        summary.TotalDeficits.ShouldBe(30m);
        summary.DeficitAccounts.ShouldBe(1);
        summary.Accounts.ShouldBe(2);
        summary.SystemBalance.ShouldBe(-149m);
        LedgerInvariants.Check(book, new Dictionary<string, decimal> { ["USDC"] = 179m }).ShouldBeEmpty();
        LedgerInvariants.Check(book, new Dictionary<string, decimal> { ["USDC"] = 178m }).Single().ShouldContain("published total liabilities 178 ≠ Σ clamped liabilities 179");
    }

    [Fact]
    public void fee_distribution_entries_count_as_booked_payouts_of_the_pool()
    {
        var ledger = new SettlementLedger(0);
        ledger.Receive(Deposit(1, "a", 100m), "account-a", 1);
        ledger.Receive(Transfer(2, "a", LedgerAccounts.FeePool, 10m, LedgerEntryKind.TradingFee), "account-a", 2);
        ledger.DistributableFees("USDC").ShouldBe(10m);

        ledger.AnnounceFees("USDC", 10m);
        ledger.DistributableFees("USDC").ShouldBe(0m);

        ledger.Receive(Transfer(3, "a", LedgerAccounts.FeePool, 4m, LedgerEntryKind.TradingFee), "account-a", 3);
        ledger.DistributableFees("USDC").ShouldBe(4m);

        ledger.Receive(Entry(4, LedgerEntryKind.FeeDistribution, (LedgerAccounts.FeePool, "USDC", -10m), (LedgerAccounts.InsuranceFund, "USDC", 10m)), "account-x", 1);
        ledger.DistributableFees("USDC").ShouldBe(4m);
        ledger.Book.Balance(LedgerAccounts.FeePool, "USDC").ShouldBe(4m);
    }

    [Fact]
    public void the_ledger_inbox_skips_nothing_itself_but_refuses_to_record_a_repeat()
    {
        var ledger = new SettlementLedger(0);
        ledger.Receive(Deposit(1, "a", 1m), "account-a", 7);
        Should.Throw<Clearing.Primitives.Inbox.InboxSequenceException>(() => ledger.Receive(Deposit(1, "a", 1m), "account-a", 7));
        ledger.Inbox.LastAppliedFor("account-a").ShouldBe(7);
    }
}
