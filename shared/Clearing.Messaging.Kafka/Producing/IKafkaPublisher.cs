using Confluent.Kafka;

namespace Clearing.Messaging.Kafka.Producing;

/// <summary>The process's one Kafka producer (registered as a singleton).</summary>
public interface IKafkaPublisher
{
    /// <summary>The client handle, for dependent clients (admin, health) that must not open their own connections.</summary>
    Handle Handle { get; }

    /// <summary>Publishes and waits for the broker's acknowledgement (acks=all).</summary>
    Task<DeliveryResult<byte[]?, byte[]?>> PublishAsync(OutboundMessage message, CancellationToken cancellationToken = default);

    /// <summary>Queues a message for the hot path; <paramref name="onDelivered"/> runs on the client's delivery thread.</summary>
    void Publish(OutboundMessage message, Action<DeliveryReport<byte[]?, byte[]?>>? onDelivered = null);

    /// <summary>Publishes an already-built record as is (dead letters keep the original key, value and headers).</summary>
    Task<DeliveryResult<byte[]?, byte[]?>> PublishRawAsync(string topic, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default);

    /// <summary>Waits until every queued message is delivered or <paramref name="timeout"/> passes; returns how many are still queued.</summary>
    int Flush(TimeSpan timeout);
}
