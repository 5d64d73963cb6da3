using System.Text.Json.Nodes;
using Clearing.Cli.Commands.Replay;
using Clearing.Contracts.Orders.V1;
using Microsoft.Data.Sqlite;

namespace Clearing.Cli.Tests;

public sealed class ReplayMarginTests : IAsyncLifetime
{
    private readonly MarginStoreHarness _margin = new();

    public Task InitializeAsync() => _margin.WriteLiquidationStoryAsync();

    public async Task DisposeAsync() => await _margin.DisposeAsync();

    private async Task<(int Exit, JsonNode Output, string Error)> ReplayAsync(ReplayOptions options)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await ReplayRunner.RunAsync(_margin.Store, ReplayModules.For("margin"), options, output, error, interactive: false, CancellationToken.None);
        return (exit, JsonNode.Parse(output.ToString()) ?? new JsonObject(), error.ToString());
    }

    private ReplayOptions Rebuild => new() { Service = "margin", ServiceDataDirectory = _margin.ServiceDirectory, Json = true };

    private static JsonNode Projection(JsonNode report, string name) =>
        report["projections"]!.AsArray().Single(p => p!["projection"]!.GetValue<string>() == name)!;

    [Fact]
    public async Task rebuilding_a_healthy_margin_store_matches_the_live_read_model_and_ledger_exactly()
    {
        var (exit, report, _) = await ReplayAsync(Rebuild);

        exit.ShouldBe(0);
        var risk = Projection(report, "account-risk");
        risk["rows"]!.GetValue<int>().ShouldBe(6);
        risk["live"]!.GetValue<int>().ShouldBe(6);
        risk["differences"]!.AsArray().ShouldBeEmpty();
        var ledger = Projection(report, "ledger");
        ledger["rows"]!.GetValue<int>().ShouldBeGreaterThan(8);
        ledger["live"]!.GetValue<int>().ShouldBe(ledger["rows"]!.GetValue<int>());
        ledger["differences"]!.AsArray().ShouldBeEmpty();
        report["types"]!["margin.position-changed.v1"]!.GetValue<long>().ShouldBeGreaterThan(0);
        report["eventsPerSecondEndToEnd"]!.GetValue<double>().ShouldBeGreaterThan(0);
        report["totalSeconds"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(report["seconds"]!.GetValue<double>());
    }

    [Fact]
    public async Task the_rebuild_reports_its_end_to_end_throughput_on_stderr()
    {
        var (_, report, error) = await ReplayAsync(Rebuild);

        error.ShouldContain($"replay: {report["events"]!.GetValue<long>().ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} events rebuilt and diffed in ");
        error.ShouldContain("ev/s end to end");
    }

    [Fact]
    public async Task a_tampered_live_position_shows_in_the_diff_with_its_account_and_field_named()
    {
        await using (var connection = new SqliteConnection($"Data Source={_margin.ReadModelFile};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE state SET value = json_set(value, '$.positions[0].size', 7) WHERE key = 'account-risk:acct-5'";
            (await command.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        var (exit, report, _) = await ReplayAsync(Rebuild);

        exit.ShouldBe(ReplayRunner.Differs);
        var difference = Projection(report, "account-risk")["differences"]!.AsArray().ShouldHaveSingleItem()!;
        difference["key"]!.GetValue<string>().ShouldBe("account-risk:acct-5");
        difference["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["positions"]);
        difference["rebuilt"]!["positions"]![0]!["size"]!.GetValue<string>().ShouldBe("1");
        difference["live"]!["positions"]![0]!["size"]!.GetValue<string>().ShouldBe("7");
        Projection(report, "ledger")["differences"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task a_ledger_entry_no_account_event_explains_shows_as_a_live_only_row()
    {
        await _margin.AppendLedgerEntryAsync(sequence => new Clearing.Margin.Domain.Accounts.LedgerEntryRecorded(sequence, "forged", Clearing.Margin.Domain.Accounts.LedgerKind.Deposit,
            "forged", "", "acct-9", [new("acct-9", "USDC", 1_000m), new("system:external", "USDC", -1_000m)], MarginStoreHarness.T0, "account-acct-9", 0, 999_999, 0));

        var (exit, report, _) = await ReplayAsync(Rebuild);

        exit.ShouldBe(ReplayRunner.Differs);
        var difference = Projection(report, "ledger")["differences"]!.AsArray().ShouldHaveSingleItem()!;
        difference["rebuilt"].ShouldBeNull();
        difference["live"]!["entryId"]!.GetValue<string>().ShouldBe("forged");
    }

    [Fact]
    public async Task time_travel_shows_the_account_before_and_after_its_liquidation()
    {
        var before = (await ReplayAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.TimeTravel, Stream = "account-acct-1", AtVersion = _margin.BeforeLiquidationVersion, Json = true })).Output;
        var after = (await ReplayAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.TimeTravel, Stream = "account-acct-1", Json = true })).Output;
        var byTime = (await ReplayAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.TimeTravel, Stream = "account-acct-1", AtTime = _margin.BeforeLiquidationTime, Json = true })).Output;

        var sub = before["state"]!["subAccounts"]!["0"]!;
        sub["positions"]!["BTC-PERP"]!["size"]!.GetValue<decimal>().ShouldBe(1m);
        sub["balances"]!["USDC"]!.GetValue<decimal>().ShouldBe(9_970m);
        sub["band"]!.GetValue<string>().ShouldBe("Liquidation");

        var liquidated = after["state"]!["subAccounts"]!["0"]!;
        liquidated["positions"]!.AsObject().ContainsKey("BTC-PERP").ShouldBeFalse();
        // 10 000 − 30 fee − 9 550 realized − 100 liquidation fee.
        liquidated["balances"]!["USDC"]!.GetValue<decimal>().ShouldBe(320m);
        after["version"]!.GetValue<long>().ShouldBeGreaterThan(before["version"]!.GetValue<long>());

        byTime["version"]!.GetValue<long>().ShouldBe(before["version"]!.GetValue<long>());
        JsonNode.DeepEquals(byTime["state"], before["state"]).ShouldBeTrue();
    }

    [Fact]
    public async Task time_travel_over_the_ledger_stream_shows_balances_per_account()
    {
        var (exit, report, _) = await ReplayAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.TimeTravel, Stream = "ledger-main", Json = true });

        exit.ShouldBe(0);
        report["state"]!["balances"]!["system:insurance-fund"]!["USDC"]!.GetValue<string>().ShouldBe("100");
        report["state"]!["balances"]!["acct-1"]!["USDC"]!.GetValue<string>().ShouldBe("320");
    }

    [Fact]
    public async Task rebuilt_rows_are_written_to_a_fresh_directory_one_file_per_projection()
    {
        var output = new DirectoryInfo(Path.Combine(_margin.Data.FullName, "rebuilt"));

        var (exit, _, _) = await ReplayAsync(Rebuild with { Output = output });

        exit.ShouldBe(0);
        File.ReadAllLines(Path.Combine(output.FullName, "account-risk.jsonl")).Length.ShouldBe(6);
        File.ReadAllLines(Path.Combine(output.FullName, "ledger.jsonl")).ShouldNotBeEmpty();
    }
}
