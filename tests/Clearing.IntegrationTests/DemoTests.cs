using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Clearing.Contracts;
using Xunit.Abstractions;

namespace Clearing.IntegrationTests;

/// <summary>
/// `clearing demo` as a new user runs it: the whole stack as processes on the embedded broker, a scenario through the
/// public doors, and the report's invariants. These are the system's end-to-end acceptance tests.
/// </summary>
public sealed class DemoTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "clearing-demo-" + Guid.NewGuid().ToString("N"));

    private static string Port(int value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task<JsonObject> RunDemoAsync(Func<ClearingCli, Task>? whileRunning, params string[] arguments)
    {
        var basePort = ClearingCli.FreeBasePort(9);
        await using var cli = ClearingCli.Start(["demo", "--data", _data, "--base-port", Port(basePort), "--json", .. arguments]);
        if (whileRunning is not null)
        {
            await whileRunning(cli);
        }
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(8));
        var reportLine = cli.Lines.LastOrDefault(l => l.StartsWith("{\"scenario\"", StringComparison.Ordinal));
        output.WriteLine(string.Join('\n', cli.Lines.Where(l => !l.StartsWith('{')).TakeLast(40)));
        output.WriteLine(reportLine ?? "(no report)");
        reportLine.ShouldNotBeNull("the demo printed no JSON report");
        var report = JsonNode.Parse(reportLine)!.AsObject();
        exit.ShouldBe(0, $"invariants: {report["invariants"]}");
        return report;
    }

    [Fact]
    public async Task the_crash_demo_liquidates_in_the_book_then_the_vault_then_the_fund_then_adl_and_every_invariant_holds_while_kcat_reads_the_topics()
    {
        var kcatSawFills = false;
        var report = await RunDemoAsync(async cli =>
        {
            await cli.WaitForLineAsync(l => l.Contains("running the scenario", StringComparison.Ordinal), TimeSpan.FromMinutes(4));
            await Task.Delay(TimeSpan.FromSeconds(20));
            var bootstrap = (await File.ReadAllTextAsync(Path.Combine(_data, "kafka.bootstrap"))).Trim();
            kcatSawFills = (await KcatConsumeAsync(bootstrap, Topics.MatchingEvents, 5)).Length > 0;
        }, "--scenario", "crash");

        kcatSawFills.ShouldBeTrue("kcat read nothing from the matching events topic while the demo ran");
        report["invariants"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
        report["fills"]!.GetValue<long>().ShouldBeGreaterThan(0);
        report["liquidations"]!["accounts"]!.GetValue<int>().ShouldBeGreaterThan(0);
        // The slide's liquidations go to the book, then the LP vault up to its (local, small) loss caps, then the fund; the
        // gap's losses exceed what the fund holds, so ADL closes the rest through the real liquidation and margin
        // services — and the money still balances (above).
        var stages = report["liquidations"]!["events"]!.AsObject();
        (stages["TransferredToVault"]?.GetValue<long>() ?? 0).ShouldBeGreaterThan(0, "the vault took nothing over");
        (stages["TransferredToFund"]?.GetValue<long>() ?? 0).ShouldBeGreaterThan(0, "the insurance fund took nothing over");
        (stages["AdlExecuted"]?.GetValue<long>() ?? 0).ShouldBeGreaterThan(0, "the fund never ran dry: no ADL");
    }

    [Fact]
    public async Task killing_matching_with_sigkill_mid_run_loses_and_doubles_no_fill()
    {
        var report = await RunDemoAsync(null, "--scenario", "calm", "--duration", "50", "--kill", "matching", "--kill-at", "20");

        report["killed"]!["service"]!.GetValue<string>().ShouldBe("matching");
        report["invariants"]!["fillsExactlyOnce"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
        report["invariants"]!["everyAcceptedOrderAccountedFor"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
        report["invariants"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
        report["fills"]!.GetValue<long>().ShouldBeGreaterThan(0);
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static async Task<string> KcatConsumeAsync(string bootstrap, string topic, int count)
    {
        var info = new ProcessStartInfo("kcat") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-b", bootstrap, "-C", "-t", topic, "-c", Port(count), "-e", "-q", "-X", "isolation.level=read_committed" })
        {
            info.ArgumentList.Add(argument);
        }
        using var kcat = Process.Start(info) ?? throw new InvalidOperationException("kcat did not start: tests/run.sh installs it");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stdout = await kcat.StandardOutput.ReadToEndAsync(timeout.Token);
        await kcat.WaitForExitAsync(timeout.Token);
        return stdout;
    }
}
