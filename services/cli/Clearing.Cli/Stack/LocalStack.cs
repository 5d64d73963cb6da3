using System.Globalization;
using Clearing.Cli.Commands;
using Clearing.Messaging.Kafka.Embedded;

namespace Clearing.Cli.Stack;

/// <param name="VaultQuoting">The vault makes markets as the keyring's vault account (LocalVault); off: it only books.</param>
internal sealed record LocalStackOptions(DirectoryInfo Data, int BasePort, DirectoryInfo? ServicesRoot, IReadOnlyList<string> Only, TimeSpan ReadyTimeout,
    IReadOnlyDictionary<string, string>? ExtraEnvironment = null, bool VaultQuoting = false);

/// <summary>A stack that could not start, with the reason for the user (exit code 2 for bad input, 1 otherwise).</summary>
internal sealed class StackStartException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// The embedded broker and the services as child processes, supervised: a service that dies (a crash, or `kill -9`
/// from an operator testing recovery) is started again on the same ports, as Kubernetes would restart its pod, and the
/// stack file is rewritten with its new process id. Used by `up` (until Ctrl-C) and `demo` (for one simulation).
/// </summary>
internal sealed class LocalStack : IAsyncDisposable
{
    private const int MaxRestarts = 5;
    private readonly EmbeddedKafkaBroker _broker;
    private readonly StackLog _log;
    private readonly LocalStackOptions _options;
    private readonly Dictionary<string, (ServiceSpec Spec, string Assembly, Dictionary<string, string> Environment)> _launch = new(StringComparer.Ordinal);
    private readonly List<ServiceProcess> _running = [];
    private readonly Lock _gate = new();
    private volatile bool _stopping;

    private LocalStack(LocalStackOptions options, EmbeddedKafkaBroker broker, DevKeyring keyring, StackLog log)
    {
        _options = options;
        _broker = broker;
        Keyring = keyring;
        _log = log;
    }

    public DevKeyring Keyring { get; }

    public string BootstrapServers => _broker.BootstrapServers;

    /// <summary>
    /// What every service process is started with. The broker is named by its bootstrap file, not by address: a
    /// service then knows it talks to the embedded broker (Kafka:EmbeddedBootstrapFile) and uses its settings —
    /// the short fetch wait (the embedded broker answers an empty fetch only when the wait ends, so librdkafka's
    /// 500 ms default held every consumer's view that long), the consumer group protocol, and transactional offsets
    /// mirrored as plain commits, which the embedded broker does not keep.
    /// </summary>
    internal static Dictionary<string, string> ServiceEnvironment(string service, DirectoryInfo data, int grpcPort, int httpPort, string bootstrapFile, string genesisFile) => new()
    {
        ["Clearing__ServiceName"] = service,
        ["Clearing__DataDirectory"] = data.FullName,
        ["Clearing__Grpc__Port"] = grpcPort.ToString(CultureInfo.InvariantCulture),
        ["Clearing__Grpc__Address"] = "127.0.0.1",
        ["Clearing__Http__Port"] = httpPort.ToString(CultureInfo.InvariantCulture),
        ["Clearing__Http__Address"] = "127.0.0.1",
        ["Kafka__EmbeddedBootstrapFile"] = bootstrapFile,
        ["Dapr__Enabled"] = "false",
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        // Governance bootstraps from the keyring's governors and publishers (read by governance only).
        ["Governance__GenesisFile"] = genesisFile,
    };

    public IReadOnlyList<ServiceProcess> Services
    {
        get
        {
            lock (_gate)
            {
                return [.. _running];
            }
        }
    }

    public int Restarts { get; private set; }

    public StackEndpoints Endpoints => new(_broker.BootstrapServers,
        new SortedDictionary<string, ServiceEndpoint>(Services.ToDictionary(s => s.Spec.Name, s => new ServiceEndpoint(s.GrpcPort, s.HttpPort, s.ProcessId)), StringComparer.Ordinal),
        Environment.ProcessId);

    public static async Task<LocalStack> StartAsync(LocalStackOptions options, StackLog log, CancellationToken cancellationToken)
    {
        var selected = ServiceCatalog.All.Where(s => options.Only.Count == 0 || options.Only.Contains(s.Name, StringComparer.Ordinal)).ToList();
        var unknown = options.Only.Except(ServiceCatalog.All.Select(s => s.Name), StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new StackStartException($"Unknown service(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", ServiceCatalog.All.Select(s => s.Name))}.", 2);
        }

        var gatewayIndex = selected.FindIndex(s => s.Name == "order-gateway");
        if (options.VaultQuoting && (gatewayIndex < 0 || !selected.Any(s => s.Name == "vault") || !selected.Any(s => s.Name == "margin")))
        {
            throw new StackStartException("Vault quoting needs the vault, margin and order-gateway services (drop --only or add them).", 2);
        }

        // The vault is seeded (and backstops liquidations) when it runs with margin; LocalVault.
        var withVault = selected.Any(s => s.Name == "vault") && selected.Any(s => s.Name == "margin");
        var assemblies = new Dictionary<ServiceSpec, string>();
        foreach (var service in selected)
        {
            try
            {
                assemblies[service] = ServiceLocator.Locate(service, options.ServicesRoot);
            }
            catch (FileNotFoundException ex)
            {
                throw new StackStartException(ex.Message, 2);
            }
        }

        options.Data.Create();
        var bootstrapFile = Path.Combine(options.Data.FullName, BrokerCommand.BootstrapFileName);
        var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { BootstrapFile = bootstrapFile });
        log.Info("broker", $"embedded Kafka-protocol broker at {broker.BootstrapServers} (written to {bootstrapFile})");
        var keyring = DevKeyring.LoadOrCreate(options.Data);
        log.Info("up", $"dev keyring: {DevKeyring.PathIn(options.Data)} ({keyring.Traders.Count} trader accounts, {keyring.Publishers.Count} oracle publishers)");
        var genesis = LocalGenesis.Write(options.Data, keyring);

        var stack = new LocalStack(options, broker, keyring, log);
        try
        {
            for (var i = 0; i < selected.Count; i++)
            {
                var service = selected[i];
                var grpcPort = options.BasePort + i;
                var httpPort = options.BasePort + 1000 + i;
                var environment = ServiceEnvironment(service.Name, options.Data, grpcPort, httpPort, bootstrapFile, genesis);
                // The vault's trading key goes to the vault process only.
                var own = service.Name == "vault" ? LocalVault.Environment(keyring, options.VaultQuoting, options.BasePort + gatewayIndex)
                    : service.Name == "liquidation" && withVault ? LocalVault.BackstopEnvironment() : [];
                foreach (var (key, value) in keyring.ServiceEnvironment().Concat(own).Concat(options.ExtraEnvironment ?? new Dictionary<string, string>()))
                {
                    environment[key] = value;
                }
                stack._launch[service.Name] = (service, assemblies[service], environment);
                lock (stack._gate)
                {
                    stack._running.Add(ServiceProcess.Start(service, assemblies[service], environment, grpcPort, httpPort, log.Line));
                }
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            var running = stack.Services;
            var readiness = await Task.WhenAll(running.Select(s => s.WaitUntilReadyAsync(http, options.ReadyTimeout, cancellationToken)));
            stack.Readiness = readiness;
            var notReady = running.Where((_, i) => !readiness[i]).Select(s => s.Spec.Name).ToList();
            if (notReady.Count > 0)
            {
                throw new StackStartException($"not ready within {options.ReadyTimeout.TotalSeconds:F0} s: {string.Join(", ", notReady)}; stopping the stack", 1);
            }
            // The vault's capital goes in once, through margin (LocalVault.SeedAsync), whether or not it quotes.
            if (withVault)
            {
                try
                {
                    await LocalVault.SeedAsync(stack.Endpoints, keyring, log, cancellationToken);
                }
                catch (Grpc.Core.RpcException ex)
                {
                    throw new StackStartException($"could not book the vault's capital: {ex.Status.Detail}; stopping the stack", 1);
                }
            }
            stack.Endpoints.Write(options.Data);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public IReadOnlyList<bool> Readiness { get; private set; } = [];

    /// <summary>
    /// Keeps the services running until cancelled: a dead service is restarted (up to <see cref="MaxRestarts"/> times
    /// in all, so a service that cannot start does not loop forever). Returns the service that gave up, or null.
    /// </summary>
    public async Task<string?> SuperviseAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        while (!cancellationToken.IsCancellationRequested && !_stopping)
        {
            await Task.Delay(500, cancellationToken);
            // Once the stack is stopping, exits are expected: restarting them would leave orphans holding the ports.
            foreach (var dead in Services.Where(s => s.HasExited && !_stopping))
            {
                if (Restarts >= MaxRestarts)
                {
                    _log.Error("up", $"{dead.Spec.Name} exited and the restart budget ({MaxRestarts}) is spent");
                    return dead.Spec.Name;
                }
                Restarts++;
                _log.Error("up", $"{dead.Spec.Name} (pid {dead.ProcessId}) exited unexpectedly; restarting it (restart {Restarts} of {MaxRestarts})");
                var (spec, assembly, environment) = _launch[dead.Spec.Name];
                ServiceProcess restarted;
                lock (_gate)
                {
                    if (_stopping)
                    {
                        break;
                    }
                    restarted = ServiceProcess.Start(spec, assembly, environment, dead.GrpcPort, dead.HttpPort, _log.Line);
                    _running[_running.IndexOf(dead)] = restarted;
                }
                await dead.DisposeAsync();
                if (await restarted.WaitUntilReadyAsync(http, _options.ReadyTimeout, cancellationToken))
                {
                    _log.Info("up", $"{spec.Name} is ready again (pid {restarted.ProcessId})");
                    Endpoints.Write(_options.Data);
                }
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _stopping = true;
        }
        File.Delete(StackEndpoints.PathIn(_options.Data));
        _log.Info("up", "stopping services (SIGTERM, then up to 30 s to drain)");
        await Task.WhenAll(Services.AsEnumerable().Reverse().Select(s => s.DisposeAsync().AsTask()));
        await _broker.DisposeAsync();
        _log.Info("up", "stopped");
    }
}
