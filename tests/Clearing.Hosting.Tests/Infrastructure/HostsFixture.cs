using Clearing.ServiceDefaults.Health;
using Clearing.ServiceDefaults.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>
/// The seven hosts, started once for the tests that share them, each with its embedded defaults (SQLite event store,
/// in-process Kafka broker, embedded Dapr state store), a test "ready" check to fail on purpose and a test projection.
/// </summary>
public sealed class HostsFixture : IAsyncLifetime
{
    private readonly Dictionary<string, ServiceHost> _hosts = new(StringComparer.Ordinal);

    public ServiceHost this[string name] => _hosts[name];

    public ToggleHealthCheck ToggleOf(string name) => this[name].Services.GetRequiredService<ToggleHealthCheck>();

    public CountingProjection ProjectionOf(string name) => this[name].Services.GetRequiredService<CountingProjection>();

    public async Task InitializeAsync()
    {
        var started = await Task.WhenAll(HostCatalog.All.Select(h => Task.Run(() => HostCatalog.Start(h.Name, services: AddTestParts))));
        foreach (var host in started)
        {
            _hosts[host.Name] = host;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync();
        }
    }

    private static void AddTestParts(IServiceCollection services)
    {
        services.AddSingleton<ToggleHealthCheck>();
        services.AddHealthChecks().AddCheck<ToggleHealthCheck>(ToggleHealthCheck.Name, tags: [HealthTags.Ready]);
        services.AddProjection<CountingProjection>();
    }
}

[CollectionDefinition(Name)]
public sealed class HostsCollection : ICollectionFixture<HostsFixture>
{
    public const string Name = "seven hosts";
}
