using Clearing.Messaging.Kafka.Consuming;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clearing.Messaging.Kafka.Hosting;

/// <summary>
/// Unhealthy (not ready) once any consumer of this process stopped at deleted records (<see cref="ConsumerGap"/>): its
/// state is missing input it will not get without an operator, so it must not look like a working replica.
/// </summary>
public sealed class KafkaConsumerGapsHealthCheck(KafkaConsumerGaps gaps) : IHealthCheck
{
    public const string Name = "kafka-consumer-gaps";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = gaps.Current;
        if (current.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No consumer has a gap"));
        }

        var data = new Dictionary<string, object>();
        foreach (var gap in current)
        {
            data[$"{gap.GroupId}/{gap.Topic}[{gap.Partition}]"] = $"wanted {gap.WantedOffset}, log start {gap.LogStart}, lost {gap.LostOffsets}";
        }

        return Task.FromResult(HealthCheckResult.Unhealthy(
            $"{current.Count} consumer partition(s) stopped at deleted records: {string.Join(" | ", current.Select(g => g.Describe()))}",
            data: data));
    }
}
