using System.CommandLine;
using System.Globalization;
using Clearing.Cli.Commands.Stress;
using Clearing.Cli.Stack;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Margin.Domain.Stress;
using Clearing.Primitives.Markets;

namespace Clearing.Cli.Commands;

/// <summary>What one `clearing stress` run is asked for (parsed and validated).</summary>
internal sealed record StressOptions(StressScenario Scenario, IReadOnlyDictionary<string, decimal> Prices, int Top, bool Json, bool FailUncovered);

/// <summary>
/// `clearing stress`: revalues every account under a hypothetical move of every market (and of option volatility),
/// reports each account's loss beyond its collateral, whether the insurance fund (and the vault) cover the total, and
/// Cover 2. Exit 0 done, 6 with --fail-uncovered when Cover 2 is not covered, 2 bad arguments or inputs.
/// </summary>
internal static class StressCommand
{
    public const int Uncovered = 6;

    public static Command Create()
    {
        var store = new StoreArguments();
        var shock = new Option<string>("--shock") { Description = $"Built-in scenario: {StressScenario.BuiltInHelp}.", DefaultValueFactory = _ => "none" };
        var move = new Option<string?>("--move") { Description = "Relative price moves per asset, fractions, overriding the scenario's: BTC=-0.3,ETH=-0.4." };
        var vol = new Option<string?>("--vol") { Description = "Relative implied-volatility shifts per underlying: BTC=+0.5 (vols × 1.5)." };
        var price = new Option<string?>("--price") { Description = "Starting prices instead of the latest known: an asset's index (BTC=60000, also its linear marks) or a market's mark (ETH-PERP=3000)." };
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Data directory of `clearing up` (running or stopped): margin's store <data>/margin/events.db and, for current marks, its read model <data>/margin/state-margin-risk.db.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".clearing", "data")),
        };
        var top = new Option<int>("--top") { Description = "Accounts listed, largest stressed loss first.", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object." };
        var failUncovered = new Option<bool>("--fail-uncovered") { Description = $"Exit {Uncovered} when Cover 2 is not covered (for CI and cron)." };
        top.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--top must be at least 1.");
            }
        });

        var command = new Command("stress", """
            Revalues every account under a hypothetical move of all markets at once (and volatility shocks for options) with
            margin's own risk calculator; reports each account's loss beyond its collateral, whether the insurance fund (and
            the vault, when a vault account exists) cover the total at the stressed prices, and Cover 2: the uncovered loss
            if the two accounts with the largest stressed losses default together. Reads margin's store offline, or a
            running stack's data directory (current marks from margin's read model). Starting prices: --price, else the
            read model's marks, else the latest fill/risk marks in the store; the report names each source.
            Examples:
              clearing stress --shock crash-30                                   # store under .clearing/data
              clearing stress --shock rally-30 --json
              clearing stress --shock vol-up-50 --data /var/clearing
              clearing stress --move BTC=-0.3,ETH=-0.4 --vol BTC=+0.5 --price BTC=60000,ETH=3000
              clearing stress --shock crash-50 --sqlite backup/margin/events.db --fail-uncovered
            """)
        {
            shock, move, vol, price, data, top, json, failUncovered,
        };
        store.AddTo(command, required: false);
        command.Validators.Add(r =>
        {
            try
            {
                Options(r.GetValue(shock) ?? "none", r.GetValue(move), r.GetValue(vol), r.GetValue(price), 1, json: false, failUncovered: false);
            }
            catch (FormatException ex)
            {
                r.AddError(ex.Message);
            }
        });
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var options = Options(result.GetValue(shock) ?? "none", result.GetValue(move), result.GetValue(vol), result.GetValue(price),
                result.GetValue(top), result.GetValue(json), result.GetValue(failUncovered));
            var margin = new DirectoryInfo(Path.Combine(result.GetValue(data)!.FullName, "margin"));
            var opened = await store.OpenAsync(result, cancellationToken, new FileInfo(Path.Combine(margin.FullName, "events.db")));
            if (opened is null)
            {
                await Console.Error.WriteLineAsync("clearing stress: give --data <dir of `clearing up`> or --sqlite <margin events.db>.");
                return 2;
            }
            var usesData = result.GetValue(store.Sqlite) is null && result.GetValue(store.Postgres) is null;
            var live = usesData ? new FileInfo(Path.Combine(margin.FullName, "state-margin-risk.db")) : null;
            var running = usesData && StackEndpoints.TryRead(result.GetValue(data)!, out _) is not null;
            var source = result.GetValue(store.Sqlite)?.FullName ?? (result.GetValue(store.Postgres) is not null ? $"postgres schema {result.GetValue(store.Schema)}"
                : Path.Combine(margin.FullName, "events.db") + (running ? " (running stack)" : ""));
            await using (opened as IAsyncDisposable)
            {
                return await RunAsync(opened, live, source, options, Console.Out, Console.Error, cancellationToken);
            }
        });
        return command;
    }

    /// <exception cref="FormatException">A bad scenario, move, vol or price (the message names it).</exception>
    public static StressOptions Options(string shock, string? move, string? vol, string? price, int top, bool json, bool failUncovered)
    {
        var scenario = StressScenario.Parse(shock);
        if (move is not null)
        {
            scenario = scenario.WithMoves(StressScenario.ParseMoves(move, "--move"));
        }
        if (vol is not null)
        {
            scenario = scenario.WithVolShifts(StressScenario.ParseMoves(vol, "--vol"));
        }
        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var item in (price ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !decimal.TryParse(item.AsSpan(equals + 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0m)
            {
                throw new FormatException($"--price '{item}' is not NAME=positive price (e.g. BTC=60000 or ETH-PERP=3000).");
            }
            prices[item[..equals].Trim()] = value;
        }
        return new StressOptions(scenario, prices, top, json, failUncovered);
    }

    public static async Task<int> RunAsync(IEventStore store, FileInfo? liveReadModel, string source, StressOptions options, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        // The local stack runs margin on its embedded defaults; a deployment with other parameters stresses with these.
        var markets = MarketCatalog.EmbeddedDefaults;
        var test = new StressTest(new RiskCalculator(markets, MarginParameters.Default, PortfolioMargin.Default));
        StressInputs inputs;
        StressResult result;
        try
        {
            inputs = await StressInputLoader.LoadAsync(store, liveReadModel, options.Prices, markets, cancellationToken);
            result = test.Run(options.Scenario, inputs.Prices, inputs.Members, inputs.InsuranceFund, inputs.Vault);
        }
        catch (Exception ex) when (ex is StressInputException or InvalidDataException or ArgumentException or KeyNotFoundException)
        {
            error.WriteLine($"clearing stress: {ex.Message}");
            return 2;
        }

        if (options.Json)
        {
            // Relaxed escaping: "+" and non-ASCII stay readable; the output is a document, not HTML.
            output.WriteLine(StressReport.ToJson(result, inputs, source, options.Top).ToJsonString(
                new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        }
        else
        {
            StressReport.WriteText(output, result, inputs, source, options.Top);
        }
        return options.FailUncovered && !result.Cover.Cover2Covered ? Uncovered : 0;
    }
}
