using System.CommandLine;
using Clearing.Cli.Commands.Simulate;
using Clearing.Cli.Stack;

namespace Clearing.Cli.Commands;

/// <summary>`clearing simulate`: a market simulator against a running stack; exits non-zero when an invariant fails.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var options = new SimulateArguments();
        var command = new Command("simulate", $"""
            Plays a market scenario against a running `clearing up`: oracle publishers follow a price path, market makers
            quote, takers trade, leveraged traders get liquidated. Prints a live progress line and a final report with the
            invariants (ledger balanced, money conserved, no unrecorded negative equity, every accepted order accounted
            for); exits 1 if any fails.
            Scenarios: {string.Join(", ", Scenario.Names)}.
            Examples:
              clearing simulate --scenario crash
              clearing simulate --scenario calm --duration 30 --json
              clearing simulate --scenario crash --kill matching --kill-at 45   # `up` restarts it; invariants must hold
            """);
        options.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var data = result.GetValue(options.Data)!;
            if (StackEndpoints.TryRead(data, out var problem) is not { } stack)
            {
                await Console.Error.WriteLineAsync($"clearing simulate: {problem}");
                return 2;
            }
            return await SimulationSession.RunAsync(options.Settings(result, stack, DevKeyring.LoadOrCreate(data)), options.Kill(result), cancellationToken);
        });
        return command;
    }
}

/// <summary>The scenario options `simulate` and `demo` share.</summary>
internal sealed class SimulateArguments
{
    public Option<string> Scenario { get; } = new("--scenario") { Description = "calm | crash | squeeze | expiry", DefaultValueFactory = _ => "crash" };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the actors' choices (same seed, same orders).", DefaultValueFactory = _ => 42 };
    public Option<double?> Duration { get; } = new("--duration") { Description = "Seconds to run (default per scenario: calm 60, crash 110, squeeze 90)." };
    public Option<bool> Json { get; } = new("--json") { Description = "Print the report as one JSON object." };
    public Option<DirectoryInfo> Data { get; } = new("--data")
    {
        Description = "Data directory of the stack (stack.json, dev-keyring.json).",
        DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".clearing", "data")),
    };
    public Option<string?> KillService { get; } = new("--kill") { Description = "kill -9 this service during the run (the supervisor restarts it)." };
    public Option<double> KillAt { get; } = new("--kill-at") { Description = "Seconds into the run for --kill.", DefaultValueFactory = _ => 45 };
    public Option<double?> TakerRate { get; } = new("--taker-rate")
    {
        Description = "Taker orders per second, offered open loop (a slow reply does not slow the offer): a load test of the whole stack, e.g. --scenario calm --taker-rate 500. Default per scenario (4-12/s).",
    };

    public Option<bool> TakerBatch { get; } = new("--taker-batch")
    {
        Description = "Send the takers' due orders in one SubmitOrders call per tick instead of one PlaceOrder call each (how a bot sends many orders).",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Scenario, Seed, Duration, Json, Data, KillService, KillAt, TakerRate, TakerBatch })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(r =>
        {
            // Only a scenario given is checked: a command validator reads no default for an option left out, so
            // `clearing demo` without --scenario was refused as '' before its default (crash) applied.
            if (r.GetResult(Scenario) is { Implicit: false } given && given.GetValueOrDefault<string>() is var name && Simulate.Scenario.Find(name ?? "", null) is null)
            {
                r.AddError($"--scenario '{name}' is not a scenario; choose one of {string.Join(", ", Simulate.Scenario.Names)}.");
            }
            if (r.GetValue(Duration) is { } d && d is < 5 or > 86_400)
            {
                r.AddError("--duration must be between 5 and 86400 seconds.");
            }
            if (r.GetValue(TakerRate) is { } rate && rate is < 0.1 or > 100_000)
            {
                r.AddError("--taker-rate must be between 0.1 and 100000 orders per second.");
            }
            if (r.GetValue(KillService) is { } service && ServiceCatalog.All.All(s => s.Name != service))
            {
                r.AddError($"--kill '{service}' is not a service; known: {string.Join(", ", ServiceCatalog.All.Select(s => s.Name))}.");
            }
        });
    }

    public SimulationSettings Settings(ParseResult result, StackEndpoints stack, DevKeyring keyring) => new(
        Simulate.Scenario.Find(result.GetValue(Scenario)!, result.GetValue(Duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null)! with
        {
            // The expiring markets are in the stack's catalog only when `up`/`demo` put them there, and they wrote when.
            Expiry = ExpiryPlay.ReadExpiry(result.GetValue(Data)!),
            TakerBatch = result.GetValue(TakerBatch),
        } is var scenario && result.GetValue(TakerRate) is { } rate ? scenario with { TakerOrdersPerSecond = rate } : scenario,
        result.GetValue(Seed), result.GetValue(Json), Interactive: !Console.IsErrorRedirected, stack, keyring);

    public (string Service, TimeSpan At)? Kill(ParseResult result) =>
        result.GetValue(KillService) is { } service ? (service, TimeSpan.FromSeconds(result.GetValue(KillAt))) : null;
}
