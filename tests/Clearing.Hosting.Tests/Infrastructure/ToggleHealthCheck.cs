using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>A "ready" check a test can fail on purpose, standing in for a dependency that goes down.</summary>
public sealed class ToggleHealthCheck : IHealthCheck
{
    public const string Name = "test-dependency";

    private volatile bool _failing;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_failing
            ? HealthCheckResult.Unhealthy("test dependency is down")
            : HealthCheckResult.Healthy("test dependency is up"));
}
