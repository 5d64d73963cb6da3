using System.CommandLine;
using Clearing.Cli.Commands.Simulate;
using Clearing.Cli.Stack;
using Spectre.Console;

namespace Clearing.Cli.Commands;

/// <summary>
/// `clearing up`: the one-command local stack. Starts the embedded Kafka-protocol broker in this process and the
/// nine services as separate processes with embedded defaults (SQLite under --data, no Dapr), waits until each
/// is ready, prints the endpoints, streams logs with a prefix, and stops everything on Ctrl-C or SIGTERM.
/// State under --data survives: a second `up` resumes from the stores (relays republish, consumers dedupe).
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Data directory (event stores, state, broker bootstrap file).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".clearing", "data")) };
        var basePort = new Option<int>("--base-port") { Description = "First gRPC port; service i listens on base+i (gRPC) and base+1000+i (HTTP health/metrics).", DefaultValueFactory = _ => 7100 };
        var services = new Option<DirectoryInfo?>("--services") { Description = "Folder with the built services (default: this repository's build output)." };
        var only = new Option<string[]>("--only") { Description = "Start only these services (names as in the table).", AllowMultipleArgumentsPerToken = true };
        var readyTimeout = new Option<int>("--ready-timeout") { Description = "Seconds to wait for every service to report ready.", DefaultValueFactory = _ => 120 };
        var quiet = new Option<bool>("--quiet") { Description = "Do not stream service logs (warnings and errors still show)." };
        var expiringIn = new Option<double?>("--expiring-in")
        {
            Description = "Add a BTC future and three BTC options expiring this many seconds from now (for `simulate --scenario expiry`); kept for later runs on the same --data.",
        };
        var vaultQuoting = new Option<bool>("--vault-quoting")
        {
            Description = "The LP vault makes markets around the oracle index as account vault-hlp (capital 1,000,000 USDC booked at start); off by default.",
        };
        basePort.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1024 or > 60000)
            {
                r.AddError("--base-port must be between 1024 and 60000.");
            }
        });

        var command = new Command("up", "Runs the local stack: embedded broker + the nine services as processes, until Ctrl-C.")
        {
            data, basePort, services, only, readyTimeout, quiet, expiringIn, vaultQuoting,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(data)!, result.GetValue(basePort), result.GetValue(services), result.GetValue(only) ?? [],
            TimeSpan.FromSeconds(result.GetValue(readyTimeout)), result.GetValue(quiet), result.GetValue(expiringIn), result.GetValue(vaultQuoting), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo data, int basePort, DirectoryInfo? servicesRoot, string[] only, TimeSpan readyTimeout, bool quiet,
        double? expiringIn, bool vaultQuoting, CancellationToken cancellationToken)
    {
        var log = new StackLog(quiet);
        // A data directory that once had expiring markets keeps them: its stores hold their positions and fixings.
        var expiry = expiringIn is { } seconds ? DateTimeOffset.UtcNow.AddSeconds(seconds) : ExpiryPlay.ReadExpiry(data);
        LocalStack stack;
        try
        {
            stack = await LocalStack.StartAsync(new LocalStackOptions(data, basePort, servicesRoot, only, readyTimeout,
                expiry is { } at ? ExpiryPlay.Environment(at) : null, vaultQuoting), log, cancellationToken);
            if (expiry is { } written)
            {
                ExpiryPlay.WriteExpiry(data, written);
            }
        }
        catch (StackStartException ex)
        {
            log.Error("up", ex.Message);
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        await using (stack)
        {
            PrintTable(stack.Services, stack.Readiness, stack.BootstrapServers);
            Console.WriteLine($"clearing up: ready ({stack.Services.Count} services). Kafka bootstrap: {stack.BootstrapServers}. Endpoints: {StackEndpoints.PathIn(data)}. Ctrl-C stops.");
            try
            {
                return await stack.SuperviseAsync(cancellationToken) is null ? 0 : 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 0;
            }
        }
    }

    private static void PrintTable(IReadOnlyList<ServiceProcess> services, IReadOnlyList<bool> ready, string bootstrap)
    {
        var table = new Table().AddColumns("service", "pid", "gRPC", "HTTP: /health/ready, /metrics", "ready");
        for (var i = 0; i < services.Count; i++)
        {
            var s = services[i];
            table.AddRow(s.Spec.Name, s.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), $"127.0.0.1:{s.GrpcPort}",
                $"http://127.0.0.1:{s.HttpPort}", ready[i] ? "[green]yes[/]" : "[red]no[/]");
        }

        table.AddRow("kafka", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "embedded broker", "", "[green]yes[/]");
        AnsiConsole.Write(table);
        Console.WriteLine($"Kafka bootstrap servers: {bootstrap}");
    }
}
