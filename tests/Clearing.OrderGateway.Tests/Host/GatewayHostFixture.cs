namespace Clearing.OrderGateway.Tests.Host;

/// <summary>One gateway host shared by a test class (start-up includes the embedded Kafka broker).</summary>
public sealed class GatewayHostFixture : IAsyncLifetime
{
    internal GatewayHost Host { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Host = GatewayHost.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
