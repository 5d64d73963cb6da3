using System.Text.Json.Nodes;
using Clearing.Cli.Commands;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Tests;

public sealed class VerifyLedgerTests : IAsyncLifetime
{
    private readonly MarginStoreHarness _margin = new();

    public Task InitializeAsync() => _margin.WriteLiquidationStoryAsync();

    public async Task DisposeAsync() => await _margin.DisposeAsync();

    private async Task<(int Exit, JsonNode Report, string Error)> VerifyAsync(string ledger = "auto")
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await VerifyCommand.RunAsync(_margin.Store, null, ledger, output, error, CancellationToken.None);
        return (exit, JsonNode.Parse(output.ToString())!, error.ToString());
    }

    private static LedgerEntryRecorded Entry(long sequence, LedgerKind kind, params Posting[] postings) =>
        new(sequence, $"test-{sequence}", kind, "test", "BTC-PERP", "acct-2", postings, MarginStoreHarness.T0, "account-acct-2", 0, 1, 0);

    [Fact]
    public async Task a_healthy_margin_store_passes_the_hash_chains_and_every_ledger_check()
    {
        var (exit, report, error) = await VerifyAsync();

        exit.ShouldBe(0, error);
        report["intact"]!.GetValue<bool>().ShouldBeTrue();
        var ledger = report["ledger"]!;
        ledger["holds"]!.GetValue<bool>().ShouldBeTrue();
        ledger["entries"]!.GetValue<long>().ShouldBeGreaterThan(8);
        ledger["accountsCompared"]!.GetValue<long>().ShouldBe(6);
        ledger["deposits"]!["USDC"]!.GetValue<string>().ShouldBe("123000");
        ledger["systemAccounts"]!["system:insurance-fund"]!["USDC"]!.GetValue<string>().ShouldBe("100");
        ledger["systemAccounts"]!["system:fee-pool"]!["USDC"]!.GetValue<string>().ShouldBe("30");
    }

    [Fact]
    public async Task an_unbalanced_entry_fails_naming_its_sequence_and_asset()
    {
        await _margin.AppendLedgerEntryAsync(s => Entry(s, LedgerKind.TradingFee, new("acct-2", "USDC", -5m), new(SystemAccounts.FeePool, "USDC", 4m)));

        var (exit, report, error) = await VerifyAsync();

        exit.ShouldBe(VerifyCommand.LedgerViolated);
        report["intact"]!.GetValue<bool>().ShouldBeTrue();
        var violation = report["ledger"]!["firstViolation"]!;
        violation["check"]!.GetValue<string>().ShouldBe("balanced");
        violation["detail"]!.GetValue<string>().ShouldContain("USDC");
        violation["detail"]!.GetValue<string>().ShouldContain("-1");
        error.ShouldContain($"sequence {violation["sequence"]!.GetValue<long>()}");
    }

    [Fact]
    public async Task a_gap_in_the_ledger_sequence_fails_the_sequence_check()
    {
        var version = await _margin.Store.GetStreamVersionAsync("ledger-main");
        await _margin.AppendLedgerEntryAsync(s => Entry(s, LedgerKind.TradingFee, new("acct-2", "USDC", -1m), new(SystemAccounts.FeePool, "USDC", 1m)), sequence: version + 3);

        var (exit, report, _) = await VerifyAsync();

        exit.ShouldBe(VerifyCommand.LedgerViolated);
        report["ledger"]!["firstViolation"]!["check"]!.GetValue<string>().ShouldBe("sequence");
        report["ledger"]!["firstViolation"]!["sequence"]!.GetValue<long>().ShouldBe(version + 3);
    }

    [Fact]
    public async Task money_from_outside_booked_as_anything_but_a_deposit_fails_the_external_check()
    {
        await _margin.AppendLedgerEntryAsync(s => Entry(s, LedgerKind.RealizedPnl, new("acct-2", "USDC", 500m), new(SystemAccounts.External, "USDC", -500m)));

        var (exit, report, _) = await VerifyAsync();

        exit.ShouldBe(VerifyCommand.LedgerViolated);
        report["ledger"]!["firstViolation"]!["check"]!.GetValue<string>().ShouldBe("external");
    }

    [Fact]
    public async Task a_balanced_entry_no_account_stream_booked_fails_the_accounts_check()
    {
        await _margin.AppendLedgerEntryAsync(s => Entry(s, LedgerKind.TradingFee, new("acct-2", "USDC", -7m), new(SystemAccounts.FeePool, "USDC", 7m)));

        var (exit, report, _) = await VerifyAsync();

        exit.ShouldBe(VerifyCommand.LedgerViolated);
        var violation = report["ledger"]!["firstViolation"]!;
        violation["check"]!.GetValue<string>().ShouldBe("accounts");
        violation["detail"]!.GetValue<string>().ShouldContain("acct-2");
    }

    [Fact]
    public async Task ledger_on_fails_clearly_on_a_store_without_a_ledger()
    {
        await using var empty = new MarginStoreHarness();
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await VerifyCommand.RunAsync(empty.Store, null, "on", output, error, CancellationToken.None);

        exit.ShouldBe(VerifyCommand.LedgerViolated);
        error.ToString().ShouldContain("no ledger-main stream");
    }
}
