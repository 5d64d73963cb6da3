using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Clearing.IntegrationTests;

/// <summary>
/// Expiry settlement through the real services: `clearing demo --scenario expiry` starts the stack with a BTC future and
/// three BTC options expiring shortly after start (Markets configuration passed to every service) and a one-minute
/// TWAP window; the simulator opens positions through the gateway with signed orders from the dev keyring, leaves an
/// order resting on each book and publishes the index through expiry. Its report is judged from the public topics and
/// margin's API (Commands/Simulate/ExpiryPlay.cs).
/// </summary>
public sealed class ExpiryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "clearing-expiry-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task futures_and_options_open_at_expiry_settle_in_cash_at_the_index_twap_and_nothing_remains_open()
    {
        var basePort = ClearingCli.FreeBasePort(9);
        await using var cli = ClearingCli.Start(
            "demo", "--data", _data, "--base-port", basePort.ToString(CultureInfo.InvariantCulture), "--json", "--scenario", "expiry", "--expiring-in", "100");
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(6));
        var reportLine = cli.Lines.LastOrDefault(l => l.StartsWith("{\"scenario\"", StringComparison.Ordinal));
        output.WriteLine(string.Join('\n', cli.Lines.Where(l => !l.StartsWith('{')).TakeLast(40)));
        output.WriteLine(reportLine ?? "(no report)");
        reportLine.ShouldNotBeNull("the expiry demo printed no JSON report");
        var report = JsonNode.Parse(reportLine)!.AsObject();
        var invariants = report["invariants"]!.AsObject();
        exit.ShouldBe(0, $"invariants: {invariants}");

        invariants["expirySettledAtTwap"]!["ok"]!.GetValue<bool>().ShouldBeTrue(invariants["expirySettledAtTwap"]!["detail"]!.GetValue<string>());
        invariants["ledgerBalanced"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
        invariants["moneyConserved"]!["ok"]!.GetValue<bool>().ShouldBeTrue();

        var expiry = report["expiry"]!.AsObject();
        expiry["positionsRemaining"]!.GetValue<int>().ShouldBe(0);
        expiry["restingOrdersCancelledAtExpiry"]!.GetValue<int>().ShouldBe(4);
        foreach (var market in new[] { "BTC-EXPIRY", "BTC-EXPIRY-95000-C", "BTC-EXPIRY-105000-P", "BTC-EXPIRY-110000-C" })
        {
            var settled = expiry[market]!.AsObject();
            settled["settlementPrice"]!.GetValue<string>().ShouldBe(settled["twapOfPublishedIndex"]!.GetValue<string>(), market);
            settled["indexSamples"]!.GetValue<int>().ShouldBeGreaterThan(10, market);
            settled["accountsSettled"]!.GetValue<int>().ShouldBe(2, market);
            settled["bookExpired"]!.GetValue<bool>().ShouldBeTrue(market);
        }

        // The 110 000 call is out of the money at a ~100 000 index: it expires worthless.
        expiry["BTC-EXPIRY-110000-C"]!["settlementValue"]!.GetValue<string>().ShouldBe("0");
        decimal.Parse(expiry["BTC-EXPIRY-95000-C"]!["settlementValue"]!.GetValue<string>(), CultureInfo.InvariantCulture).ShouldBeGreaterThan(0m);
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
