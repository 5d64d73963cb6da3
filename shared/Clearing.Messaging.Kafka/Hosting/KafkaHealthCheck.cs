using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Clearing.Messaging.Kafka.Hosting;

/// <summary>Ready when the brokers answer a metadata request within <c>Kafka:HealthCheckTimeout</c>.</summary>
public sealed class KafkaHealthCheck(IKafkaPublisher publisher, KafkaConnection connection, IOptions<KafkaOptions> options) : IHealthCheck
{
    public const string Name = "kafka";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var timeout = options.Value.HealthCheckTimeout;
        var data = new Dictionary<string, object>
        {
            ["mode"] = connection.Mode.ToString(),
            ["bootstrapServers"] = connection.BootstrapServers,
        };
        try
        {
            // Reuses the producer's connections: one client handle per process.
            var metadata = await Task.Run(
                () =>
                {
                    using var admin = new DependentAdminClientBuilder(publisher.Handle).Build();
                    return admin.GetMetadata(timeout);
                },
                cancellationToken);
            data["brokers"] = metadata.Brokers.Count;
            data["topics"] = metadata.Topics.Count;
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"Kafka ({connection.Mode}) answered with {metadata.Brokers.Count} broker(s)", data)
                : HealthCheckResult.Unhealthy($"Kafka ({connection.Mode}) answered with no brokers", data: data);
        }
        catch (KafkaException e)
        {
            return HealthCheckResult.Unhealthy($"Kafka ({connection.Mode}) metadata request failed within {timeout}: {e.Error.Reason}", e, data);
        }
    }
}
