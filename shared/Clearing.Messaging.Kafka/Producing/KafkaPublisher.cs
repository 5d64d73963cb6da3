using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clearing.Messaging.Kafka.Producing;

/// <summary>Idempotent producer that wraps every message in the CloudEvents envelope.</summary>
public sealed class KafkaPublisher : IKafkaPublisher, IDisposable
{
    private static readonly TimeSpan DisposeFlushTimeout = TimeSpan.FromSeconds(10);

    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly KafkaOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KafkaPublisher> _logger;
    private int _disposed;

    public KafkaPublisher(KafkaConnection connection, IOptions<KafkaOptions> options, TimeProvider time, ILogger<KafkaPublisher> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientConfigs.Producer(_options, connection))
            .SetErrorHandler((_, error) => LogClientError(error))
            .SetLogHandler((_, log) => LogClientMessage(log))
            .Build();
    }

    public Handle Handle => _producer.Handle;

    public Task<DeliveryResult<byte[]?, byte[]?>> PublishAsync(OutboundMessage message, CancellationToken cancellationToken = default) =>
        _producer.ProduceAsync(message.Topic, Envelope(message), cancellationToken);

    public void Publish(OutboundMessage message, Action<DeliveryReport<byte[]?, byte[]?>>? onDelivered = null) =>
        _producer.Produce(message.Topic, Envelope(message), onDelivered);

    public Task<DeliveryResult<byte[]?, byte[]?>> PublishRawAsync(string topic, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default) =>
        _producer.ProduceAsync(topic, message, cancellationToken);

    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var left = _producer.Flush(DisposeFlushTimeout);
        if (left > 0)
        {
            _logger.LogError("Kafka producer closed with {Count} message(s) undelivered after {Timeout}; the outbox relay republishes them", left, DisposeFlushTimeout);
        }

        _producer.Dispose();
    }

    private Message<byte[]?, byte[]?> Envelope(OutboundMessage message) =>
        CloudEventsEnvelope.ToKafkaMessage(message, _options.CloudEventsSource, _time.GetUtcNow());

    private void LogClientError(Error error)
    {
        if (error.IsFatal)
        {
            _logger.LogCritical("Kafka producer fatal error {Code}: {Reason}", error.Code, error.Reason);
        }
        else
        {
            _logger.LogWarning("Kafka producer error {Code}: {Reason}", error.Code, error.Reason);
        }
    }

    private void LogClientMessage(LogMessage log) => KafkaClientLog.Write(_logger, log);
}
