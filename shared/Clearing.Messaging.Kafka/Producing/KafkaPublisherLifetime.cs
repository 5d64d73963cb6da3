using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.Messaging.Kafka.Producing;

/// <summary>
/// Resolves the broker at start (bad configuration stops the host there, not at the first publish) and flushes
/// the producer at stop. Registered before any consumer, so it stops after them: their last dead letters go out too.
/// </summary>
internal sealed class KafkaPublisherLifetime(KafkaConnection connection, IKafkaPublisher publisher, ILogger<KafkaPublisherLifetime> logger) : IHostedService
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Kafka publisher ready ({Mode}, {BootstrapServers})", connection.Mode, connection.BootstrapServers);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.Run(
        () =>
        {
            var left = publisher.Flush(FlushTimeout);
            if (left > 0)
            {
                logger.LogError("Kafka producer flush left {Count} message(s) undelivered at shutdown", left);
            }
        },
        CancellationToken.None);
}
