using System.CommandLine;
using System.Text.Json.Nodes;
using Clearing.Cli.Commands;

namespace Clearing.Cli.Tests;

public sealed class StressCommandTests : IAsyncLifetime
{
    private readonly MarginStoreHarness _margin = new();

    public Task InitializeAsync() => _margin.WriteLiquidationStoryAsync();

    public async Task DisposeAsync() => await _margin.DisposeAsync();

    private async Task<(int Exit, string Output, string Error)> StressAsync(StressOptions options, bool liveReadModel = false)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await StressCommand.RunAsync(_margin.Store, liveReadModel ? new FileInfo(_margin.ReadModelFile) : null, "test store", options, output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    private static StressOptions Options(string shock, string? move = null, string? vol = null, string? price = "BTC=50000", bool failUncovered = false) =>
        StressCommand.Options(shock, move, vol, price, top: 20, json: true, failUncovered);

    [Fact]
    public async Task a_thirty_percent_crash_names_the_accounts_it_bankrupts_and_the_cover_2_shortfall()
    {
        var (exit, output, error) = await StressAsync(Options("crash-30"));

        exit.ShouldBe(0, error);
        var report = JsonNode.Parse(output)!;
        report["prices"]!["BTC"]!["before"]!.GetValue<string>().ShouldBe("50000");
        report["prices"]!["BTC"]!["after"]!.GetValue<string>().ShouldBe("35000");
        var accounts = report["accounts"]!.AsArray();
        // acct-5: 3 000 + 1 × (35 000 − 50 450); acct-6: 2 000 + 0.5 × (35 000 − 50 450).
        accounts[0]!["accountId"]!.GetValue<string>().ShouldBe("acct-5");
        accounts[0]!["lossBeyondCollateral"]!.GetValue<string>().ShouldBe("12450");
        accounts[1]!["accountId"]!.GetValue<string>().ShouldBe("acct-6");
        accounts[1]!["lossBeyondCollateral"]!.GetValue<string>().ShouldBe("5725");
        report["accountsWithLoss"]!.GetValue<int>().ShouldBe(2);
        report["totalLoss"]!.GetValue<string>().ShouldBe("18175");
        report["resources"]!["insuranceFund"]!.GetValue<string>().ShouldBe("100");
        report["covered"]!.GetValue<bool>().ShouldBeFalse();
        report["uncovered"]!.GetValue<string>().ShouldBe("18075");
        var cover2 = report["cover2"]!;
        cover2["accounts"]!.AsArray().Select(a => a!.GetValue<string>()).ShouldBe(["acct-5", "acct-6"]);
        cover2["uncovered"]!.GetValue<string>().ShouldBe("18075");
    }

    [Fact]
    public async Task an_lp_vaults_trading_account_counts_as_the_vaults_capacity_not_as_a_member_who_could_default()
    {
        var (_, before, _) = await StressAsync(Options("crash-30"));
        await _margin.DepositAsync("vault-hlp", 20_000m);

        var (exit, output, error) = await StressAsync(Options("crash-30"));

        exit.ShouldBe(0, error);
        var report = JsonNode.Parse(output)!;
        report["accountsStressed"]!.GetValue<int>().ShouldBe(JsonNode.Parse(before)!["accountsStressed"]!.GetValue<int>());
        report["resources"]!["vault"]!.GetValue<string>().ShouldBe("20000");
        report["resources"]!["total"]!.GetValue<string>().ShouldBe("20100"); // the fund's 100 and the vault's 20 000
        report["covered"]!.GetValue<bool>().ShouldBeTrue(); // 18 175 of loss
    }

    [Fact]
    public async Task a_rally_the_shorts_can_pay_leaves_nothing_uncovered()
    {
        var (exit, output, _) = await StressAsync(Options("rally-30", failUncovered: true));

        exit.ShouldBe(0);
        var report = JsonNode.Parse(output)!;
        report["accountsWithLoss"]!.GetValue<int>().ShouldBe(0);
        report["cover2"]!["covered"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task fail_uncovered_exits_non_zero_when_cover_2_is_not_met()
    {
        var (exit, _, _) = await StressAsync(Options("crash-30", failUncovered: true));

        exit.ShouldBe(StressCommand.Uncovered);
    }

    [Fact]
    public async Task a_custom_move_overrides_the_scenario_for_its_asset()
    {
        var (_, output, _) = await StressAsync(Options("crash-30", move: "BTC=-0.1"));

        var report = JsonNode.Parse(output)!;
        report["prices"]!["BTC"]!["after"]!.GetValue<string>().ShouldBe("45000");
        // acct-6: 2 000 + 0.5 × (45 000 − 50 450) = −725; acct-5: 3 000 − 5 450 = −2 450.
        report["totalLoss"]!.GetValue<string>().ShouldBe("3175");
    }

    [Fact]
    public async Task without_price_flags_the_store_and_read_model_marks_are_used_and_named()
    {
        var (exit, output, error) = await StressAsync(Options("none", price: null), liveReadModel: true);

        exit.ShouldBe(0, error);
        var btc = JsonNode.Parse(output)!["prices"]!["BTC"]!;
        btc["source"]!.GetValue<string>().ShouldContain("BTC-PERP mark");
        decimal.Parse(btc["before"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(50_450m, 50_500m);
    }

    [Fact]
    public async Task an_option_market_given_as_a_price_is_refused_with_what_to_pass_instead()
    {
        var option = Clearing.Primitives.Markets.MarketCatalog.EmbeddedDefaults.All.First(m => m.Kind == Clearing.Primitives.Markets.MarketKind.Option).Symbol;

        var (exit, _, error) = await StressAsync(Options("crash-30", price: $"{option}=100"));

        exit.ShouldBe(2);
        error.ShouldContain("--price BTC=<index>");
    }

    [Theory]
    [InlineData("--shock meltdown", "unknown scenario 'meltdown'")]
    [InlineData("--shock crash-120", "must be a number in (0, 100)")]
    [InlineData("--move BTC=-1.5", "use a number > -1")]
    [InlineData("--move BTC", "is not ASSET=fraction")]
    [InlineData("--price BTC=-3", "is not NAME=positive price")]
    public void bad_arguments_are_refused_with_a_message_naming_the_problem(string arguments, string message)
    {
        var result = new RootCommand { StressCommand.Create() }.Parse(["stress", .. arguments.Split(' ')]);

        result.Errors.Select(e => e.Message).ShouldContain(m => m.Contains(message));
    }

    [Theory]
    [InlineData("stress")]
    [InlineData("verify")]
    [InlineData("replay")]
    public void every_ops_command_has_help_with_examples(string name)
    {
        var root = new RootCommand { StressCommand.Create(), VerifyCommand.Create(), ReplayCommand.Create() };
        var output = new StringWriter();

        root.Parse([name, "--help"]).Invoke(new InvocationConfiguration { Output = output });

        output.ToString().ShouldContain("Examples:");
        output.ToString().ShouldContain($"clearing {name}");
    }
}
