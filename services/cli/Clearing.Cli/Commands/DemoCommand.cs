using System.CommandLine;
using Clearing.Cli.Commands.Simulate;
using Clearing.Cli.Stack;

namespace Clearing.Cli.Commands;

/// <summary>`clearing demo`: `up` + `simulate --scenario crash` + the report, in one command, on a fresh data directory.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var options = new SimulateArguments();
        var basePort = new Option<int>("--base-port") { Description = "First gRPC port of the demo stack.", DefaultValueFactory = _ => 7300 };
        var verbose = new Option<bool>("--verbose") { Description = "Stream every service log line (default: warnings and errors only)." };
        var expiringIn = new Option<double>("--expiring-in")
        {
            Description = "With --scenario expiry: seconds from now to the expiry of the BTC future and options added to the catalog.",
            DefaultValueFactory = _ => 120,
        };
        var command = new Command("demo", """
            Starts the whole stack on a fresh data directory (default .clearing/demo, emptied first), plays a scenario
            (default: crash), prints the report and stops. Exit 0 when every invariant holds.
            Examples:
              clearing demo
              clearing demo --scenario calm --json
              clearing demo --kill matching --kill-at 45
            """)
        {
            basePort, verbose, expiringIn,
        };
        options.AddTo(command);
        options.Data.DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".clearing", "demo"));
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var data = result.GetValue(options.Data)!;
            if (data.Exists)
            {
                data.Delete(recursive: true);
            }
            var log = new StackLog(quiet: !result.GetValue(verbose));
            DateTimeOffset? expiry = result.GetValue(options.Scenario) == "expiry" ? DateTimeOffset.UtcNow.AddSeconds(result.GetValue(expiringIn)) : null;
            LocalStack stack;
            try
            {
                stack = await LocalStack.StartAsync(new LocalStackOptions(data, result.GetValue(basePort), null, [], TimeSpan.FromSeconds(180),
                    DemoEnvironment(expiry, result.GetValue(options.TakerRate), log)), log, cancellationToken);
            }
            catch (StackStartException ex)
            {
                log.Error("demo", ex.Message);
                return ex.ExitCode;
            }
            await using (stack)
            {
                if (expiry is { } at)
                {
                    ExpiryPlay.WriteExpiry(data, at);
                    log.Info("demo", $"{ExpiryPlay.Future} and its options expire at {at:O}; TWAP window {ExpiryPlay.Window.TotalSeconds:F0} s");
                }
                using var supervision = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var supervisor = stack.SuperviseAsync(supervision.Token);
                log.Info("demo", $"stack ready; Kafka at {stack.BootstrapServers} (kcat -b {stack.BootstrapServers} -L); running the scenario");
                try
                {
                    return await SimulationSession.RunAsync(options.Settings(result, stack.Endpoints, stack.Keyring), options.Kill(result), cancellationToken);
                }
                finally
                {
                    await supervision.CancelAsync();
                    try
                    {
                        await supervisor;
                    }
                    catch (OperationCanceledException)
                    {
                        // The supervisor ends by cancellation: that is how it is stopped.
                    }
                }
            }
        });
        return command;
    }

    /// <summary>
    /// What the demo's services get beyond `up`'s defaults: the expiring catalog, and for a load run (--taker-rate) a
    /// per-account rate limit the five takers can fill, since the load test measures the stack, not the limiter.
    /// </summary>
    private static Dictionary<string, string>? DemoEnvironment(DateTimeOffset? expiry, double? takerRate, StackLog log)
    {
        var environment = expiry is { } at ? new Dictionary<string, string>(ExpiryPlay.Environment(at), StringComparer.Ordinal) : null;
        if (takerRate is { } rate && rate > 20)
        {
            environment ??= new Dictionary<string, string>(StringComparer.Ordinal);
            var perSecond = (int)Math.Ceiling(rate);
            environment["OrderGateway__RateLimitPerSecond"] = perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture);
            environment["OrderGateway__RateLimitBurst"] = (2 * perSecond).ToString(System.Globalization.CultureInfo.InvariantCulture);
            log.Info("demo", $"load run: the gateway's per-account rate limit is raised to {perSecond} commands/s for this demo stack");
        }

        return environment;
    }
}
