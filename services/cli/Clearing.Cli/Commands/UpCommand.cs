using System.CommandLine;
using Clearing.Cli.Stack;
using Clearing.Messaging.Kafka.Embedded;
using Spectre.Console;

namespace Clearing.Cli.Commands;

/// <summary>
/// `clearing up`: the one-command local stack. Starts the embedded Kafka-protocol broker in this process and the
/// seven services as separate processes with embedded defaults (SQLite under --data, no Dapr), waits until each
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
        basePort.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1024 or > 60000)
            {
                r.AddError("--base-port must be between 1024 and 60000.");
            }
        });

        var command = new Command("up", "Runs the local stack: embedded broker + the seven services as processes, until Ctrl-C.")
        {
            data, basePort, services, only, readyTimeout, quiet,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(data)!, result.GetValue(basePort), result.GetValue(services), result.GetValue(only) ?? [],
            TimeSpan.FromSeconds(result.GetValue(readyTimeout)), result.GetValue(quiet), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo data, int basePort, DirectoryInfo? servicesRoot, string[] only, TimeSpan readyTimeout, bool quiet, CancellationToken cancellationToken)
    {
        var selected = ServiceCatalog.All.Where(s => only.Length == 0 || only.Contains(s.Name, StringComparer.Ordinal)).ToList();
        var unknown = only.Except(ServiceCatalog.All.Select(s => s.Name), StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            await Console.Error.WriteLineAsync($"Unknown service(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", ServiceCatalog.All.Select(s => s.Name))}.");
            return 2;
        }

        var assemblies = new Dictionary<ServiceSpec, string>();
        foreach (var service in selected)
        {
            try
            {
                assemblies[service] = ServiceLocator.Locate(service, servicesRoot);
            }
            catch (FileNotFoundException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }
        }

        data.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var bootstrapFile = Path.Combine(data.FullName, BrokerCommand.BootstrapFileName);
        await using var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { BootstrapFile = bootstrapFile });
        var log = new PrefixedLog(quiet);
        log.Info("broker", $"embedded Kafka-protocol broker at {broker.BootstrapServers} (written to {bootstrapFile})");

        var keyring = DevKeyring.LoadOrCreate(data);
        log.Info("up", $"dev keyring: {DevKeyring.PathIn(data)} ({keyring.Traders.Count} trader accounts, {keyring.Publishers.Count} oracle publishers)");

        var running = new List<ServiceProcess>();
        try
        {
            for (var i = 0; i < selected.Count; i++)
            {
                var service = selected[i];
                var grpcPort = basePort + i;
                var httpPort = basePort + 1000 + i;
                var environment = new Dictionary<string, string>
                {
                    ["Clearing__ServiceName"] = service.Name,
                    ["Clearing__DataDirectory"] = data.FullName,
                    ["Clearing__Grpc__Port"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Clearing__Grpc__Address"] = "127.0.0.1",
                    ["Clearing__Http__Port"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Clearing__Http__Address"] = "127.0.0.1",
                    ["Kafka__BootstrapServers"] = broker.BootstrapServers,
                    ["Dapr__Enabled"] = "false",
                    ["DOTNET_ENVIRONMENT"] = "Development",
                    ["ASPNETCORE_ENVIRONMENT"] = "Development",
                };
                foreach (var (key, value) in keyring.ServiceEnvironment())
                {
                    environment[key] = value;
                }
                running.Add(ServiceProcess.Start(service, assemblies[service], environment, grpcPort, httpPort, log.Line));
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            var readiness = await Task.WhenAll(running.Select(s => s.WaitUntilReadyAsync(http, readyTimeout, stop.Token)));
            var notReady = running.Where((_, i) => !readiness[i]).Select(s => s.Spec.Name).ToList();
            PrintTable(running, readiness, broker.BootstrapServers);
            if (notReady.Count > 0)
            {
                log.Error("up", $"not ready within {readyTimeout.TotalSeconds:F0} s: {string.Join(", ", notReady)}; stopping the stack");
                return 1;
            }

            Console.WriteLine($"clearing up: ready ({running.Count} services). Kafka bootstrap: {broker.BootstrapServers}. Ctrl-C stops.");
            var exited = running.Select(s => WaitForExitAsync(s, stop.Token)).ToList();
            var first = await Task.WhenAny(exited.Append(Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => (ServiceProcess?)null, TaskScheduler.Default)));
            if (await first is { } died)
            {
                log.Error("up", $"{died.Spec.Name} exited unexpectedly; stopping the stack");
                return 1;
            }

            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            log.Info("up", "stopping services (SIGTERM, then up to 30 s to drain)");
            await Task.WhenAll(running.AsEnumerable().Reverse().Select(s => s.DisposeAsync().AsTask()));
            log.Info("up", "stopped");
        }
    }

    private static async Task<ServiceProcess?> WaitForExitAsync(ServiceProcess service, CancellationToken cancellationToken)
    {
        while (!service.HasExited)
        {
            await Task.Delay(500, cancellationToken);
        }

        return service;
    }

    private static void PrintTable(IReadOnlyList<ServiceProcess> services, bool[] ready, string bootstrap)
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

    /// <summary>Writes "[service] line" so interleaved logs stay readable; one lock keeps lines whole.</summary>
    private sealed class PrefixedLog(bool quiet)
    {
        private readonly Lock _gate = new();

        public void Line(string source, string text, bool isError)
        {
            if (quiet && !isError && !text.Contains("warn", StringComparison.OrdinalIgnoreCase) && !text.Contains("fail", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            lock (_gate)
            {
                (isError ? Console.Error : Console.Out).WriteLine($"[{source,-13}] {text}");
            }
        }

        /// <summary>The supervisor's own lines always show, even with --quiet.</summary>
        public void Info(string source, string text)
        {
            lock (_gate)
            {
                Console.Out.WriteLine($"[{source,-13}] {text}");
            }
        }

        public void Error(string source, string text) => Line(source, text, true);
    }
}
