using Clearing.Dapr.Hosting;
using Clearing.Dapr.PubSub;
using Clearing.Dapr.State;
using Clearing.Dapr.Tests.Sidecar;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Clearing.Dapr.Tests.Hosting;

/// <summary>AddClearingDapr: adapter choice from Dapr:Enabled, validation that names the key, and the readiness check.</summary>
public sealed class AddClearingDaprTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "clearing-dapr-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public void by_default_dapr_is_disabled_and_the_embedded_adapters_are_used()
    {
        using var services = Build(new() { ["Dapr:DataDirectory"] = _dataDirectory });

        var store = services.GetRequiredService<IStateStore>().ShouldBeOfType<SqliteStateStore>();
        store.DatabasePath.ShouldBe(Path.GetFullPath(Path.Combine(_dataDirectory, "state-statestore.db")));
        services.GetRequiredService<IPubSubPublisher>().ShouldBeOfType<InProcessPubSub>();
    }

    [Fact]
    public void without_a_dapr_data_directory_the_state_file_sits_in_the_services_own_data_directory()
    {
        using var services = Build(new() { ["Clearing:DataDirectory"] = _dataDirectory, ["Clearing:ServiceName"] = "order-gateway" });

        services.GetRequiredService<IStateStore>().ShouldBeOfType<SqliteStateStore>().DatabasePath
            .ShouldBe(Path.GetFullPath(Path.Combine(_dataDirectory, "order_gateway", "state-statestore.db")));
    }

    [Fact]
    public void with_dapr_enabled_the_sidecar_adapters_are_used_with_the_configured_component_names()
    {
        using var services = Build(new()
        {
            ["Dapr:Enabled"] = "true",
            ["Dapr:StateStoreName"] = "margin-state",
            ["Dapr:PubSubName"] = "kafka-pubsub",
            ["Dapr:GrpcEndpoint"] = "http://127.0.0.1:50001",
        });

        services.GetRequiredService<IStateStore>().ShouldBeOfType<DaprStateStore>().Name.ShouldBe("margin-state");
        services.GetRequiredService<IPubSubPublisher>().ShouldBeOfType<DaprPubSubPublisher>().PubSubName.ShouldBe("kafka-pubsub");
    }

    [Theory]
    [InlineData("Dapr:StateStoreName", "State_Store", "Dapr:StateStoreName must be a Dapr component name")]
    [InlineData("Dapr:PubSubName", "", "Dapr:PubSubName must be a Dapr component name")]
    [InlineData("Dapr:GrpcEndpoint", "127.0.0.1:50001", "Dapr:GrpcEndpoint must be an absolute http:// or https:// URI")]
    [InlineData("Dapr:DataDirectory", " ", "Dapr:DataDirectory is required")]
    public async Task invalid_configuration_stops_start_up_with_a_message_naming_the_key(string key, string value, string expected)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddClearingDapr(builder.Configuration);
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task the_readiness_check_in_embedded_mode_opens_the_sqlite_file()
    {
        using var services = Build(new() { ["Dapr:DataDirectory"] = _dataDirectory });

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));

        var entry = report.Entries[DaprHealthCheck.Name];
        entry.Status.ShouldBe(HealthStatus.Healthy);
        entry.Description.ShouldNotBeNull().ShouldContain("state-statestore.db");
    }

    [Fact]
    public async Task the_readiness_check_in_embedded_mode_fails_when_the_file_cannot_be_created()
    {
        Directory.CreateDirectory(_dataDirectory);
        var blocker = Path.Combine(_dataDirectory, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "a file where the data directory should be");
        using var services = Build(new() { ["Dapr:DataDirectory"] = blocker });

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        report.Entries[DaprHealthCheck.Name].Status.ShouldBe(HealthStatus.Unhealthy);
        report.Entries[DaprHealthCheck.Name].Description.ShouldNotBeNull().ShouldContain("cannot be opened");
    }

    [Fact]
    public async Task the_readiness_check_with_dapr_enabled_is_healthy_when_the_sidecar_has_both_components()
    {
        await using var sidecar = await FakeDaprSidecarHost.StartAsync();
        using var services = Build(new() { ["Dapr:Enabled"] = "true", ["Dapr:GrpcEndpoint"] = sidecar.GrpcEndpoint });

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));

        var entry = report.Entries[DaprHealthCheck.Name];
        entry.Status.ShouldBe(HealthStatus.Healthy);
        entry.Description.ShouldBe("Dapr sidecar of 'clearing-test' has statestore and pubsub");
        sidecar.Sidecar.Calls["GetMetadata"].ShouldBe(1);
    }

    [Fact]
    public async Task the_readiness_check_with_dapr_enabled_names_a_component_the_sidecar_has_not_loaded()
    {
        await using var sidecar = await FakeDaprSidecarHost.StartAsync();
        using var services = Build(new()
        {
            ["Dapr:Enabled"] = "true",
            ["Dapr:GrpcEndpoint"] = sidecar.GrpcEndpoint,
            ["Dapr:StateStoreName"] = "readmodels",
        });

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = report.Entries[DaprHealthCheck.Name];
        entry.Status.ShouldBe(HealthStatus.Unhealthy);
        entry.Description.ShouldNotBeNull().ShouldContain("has not loaded component(s) readmodels");
    }

    [Fact]
    public async Task the_readiness_check_with_dapr_enabled_fails_when_no_sidecar_answers()
    {
        string endpoint;
        await using (var stopped = await FakeDaprSidecarHost.StartAsync())
        {
            endpoint = stopped.GrpcEndpoint;
        }

        using var services = Build(new() { ["Dapr:Enabled"] = "true", ["Dapr:GrpcEndpoint"] = endpoint });

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = report.Entries[DaprHealthCheck.Name];
        entry.Status.ShouldBe(HealthStatus.Unhealthy);
        entry.Description.ShouldNotBeNull().ShouldStartWith("Dapr sidecar did not answer GetMetadata");
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddClearingDapr(configuration);
        return services.BuildServiceProvider();
    }
}
