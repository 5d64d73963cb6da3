using Clearing.EventSourcing;
using Clearing.Governance.Application;
using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Integration;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.ServiceDefaults.Configuration;
using Clearing.ServiceDefaults.Health;
using Clearing.ServiceDefaults.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clearing.Governance.Extensions;

public static class GovernanceServiceExtensions
{
    /// <summary>
    /// The governance service: its name and default ports (gRPC 7108, health/metrics 8108), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set) and Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set), each with its readiness check. Then governance itself: the "Governance" options (genesis file), the
    /// parameter registry loaded (or bootstrapped) before the service is ready, the proposal desk, and the outbox relay
    /// that publishes every stored parameter version on clearing.governance.params.v1.
    /// Governors sign proposals with their Ed25519 keys, and the same keys authenticate their calls: the genesis
    /// governors are added to Clearing:Auth:Operators for this service (a configured operator id is never replaced).
    /// </summary>
    public static IHostApplicationBuilder AddGovernanceService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("governance", grpcPort: 7108, httpPort: 8108);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.AddValidatedOptions<GovernanceOptions>(GovernanceOptions.Section);
        builder.Services.AddSingleton<ParameterRegistry>();
        builder.Services.AddHostedService<ParameterRegistryLoader>();
        builder.Services.AddSingleton<ProposalDesk>();
        builder.Services.AddHealthChecks().AddCheck<ParameterRegistryHealthCheck>("parameter-registry", tags: [HealthTags.Ready]);
        builder.Services.AddOptions<ClearingAuthOptions>().PostConfigure<IServiceProvider>((auth, services) =>
        {
            foreach (var governor in GenesisGovernors(services))
            {
                auth.Operators.TryAdd(governor.Id, governor.PublicKey);
            }
        });
        builder.Services.AddOutboxRelay<GovernanceOutboxTranslator>(new OutboxRelayOptions { Name = "governance", Category = Clearing.Parameters.ParameterSets.StreamCategory });
        return builder;
    }

    /// <summary>
    /// The governors of the genesis in use. Authentication options are built before the registry has read the store,
    /// so this reads the genesis file (or the embedded development one) directly; the stored genesis is the same
    /// unless the file was edited after bootstrap, which the registry reports at start.
    /// </summary>
    private static IEnumerable<Domain.Proposals.Governor> GenesisGovernors(IServiceProvider services)
    {
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GovernanceOptions>>().Value;
        string text;
        if (options.GenesisFile is { Length: > 0 } path && File.Exists(path))
        {
            text = File.ReadAllText(path);
        }
        else
        {
            using var resource = typeof(ParameterRegistry).Assembly.GetManifestResourceStream(ParameterRegistry.DevelopmentGenesisResource);
            if (resource is null)
            {
                return [];
            }

            using var reader = new StreamReader(resource);
            text = reader.ReadToEnd();
        }

        try
        {
            return GenesisDocument.Parse(text).Governance.Governors;
        }
        catch (GenesisException)
        {
            // The registry refuses the same file at start with every reason; authentication just gets no governors.
            return [];
        }
    }
}

/// <summary>Ready once the registry is loaded: before that, parameters would be served from an empty book.</summary>
public sealed class ParameterRegistryHealthCheck(ParameterRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.IsReady
            ? HealthCheckResult.Healthy($"{registry.Book.SetIds.Count()} parameter sets loaded")
            : HealthCheckResult.Unhealthy("the parameter registry is loading"));
}
