namespace Clearing.Messaging.Kafka.Consuming;

/// <summary>Handles one consumed message. Throwing means "retry"; after the retries the message is dead-lettered.</summary>
public delegate Task KafkaMessageHandler<TMessage>(KafkaInboundMessage<TMessage> message, CancellationToken cancellationToken);

/// <summary>
/// Handles a run of consumed messages, in the order they were delivered (per-partition order holds within and across
/// runs). Throwing splits the run: each message is then handled alone, with retries and the dead-letter topic, so the
/// handler must be idempotent per message (an inbox), as every consumer here is (DESIGN.md §6).
/// </summary>
public delegate Task KafkaBatchHandler<TMessage>(IReadOnlyList<KafkaInboundMessage<TMessage>> messages, CancellationToken cancellationToken);

/// <summary>A handler resolved from DI, one scope per message.</summary>
public interface IKafkaMessageHandler<TMessage>
{
    Task HandleAsync(KafkaInboundMessage<TMessage> message, CancellationToken cancellationToken);
}

/// <summary>How soon a consumer must see a message that arrives on a quiet topic.</summary>
public enum KafkaConsumerUrgency
{
    /// <summary>On the order or risk path: fills, prices, risk events. The embedded broker's short fetch wait (10 ms).</summary>
    Prompt,

    /// <summary>
    /// Views, parameters and periodic work, where a tenth of a second is soon enough: the embedded broker holds an empty
    /// fetch for the whole wait, so every prompt consumer costs a wake-up per broker 100 times a second even when idle.
    /// Waits <c>Kafka:BackgroundFetchWaitMs</c> (100 ms) there. Under load a fetch finds records at once either way.
    /// </summary>
    Background,
}

/// <summary>What a consumer reads and how it reads it.</summary>
public sealed record KafkaConsumerDefinition<TMessage>
{
    /// <summary>Name in logs.</summary>
    public required string Name { get; init; }

    public required IReadOnlyList<string> Topics { get; init; }

    public required IKafkaPayloadDeserializer<TMessage> Deserializer { get; init; }

    /// <summary>
    /// Consumer group; defaults to one group per consumer: <see cref="Name"/> prefixed with <c>Kafka:ConsumerGroup</c>
    /// (else the service name) unless it already starts with it.
    /// </summary>
    public string? GroupId { get; init; }

    /// <summary>Retry settings; default <c>Kafka:Retry</c>.</summary>
    public KafkaRetryOptions? Retry { get; init; }

    /// <summary>
    /// The most messages a <see cref="KafkaBatchHandler{TMessage}"/> gets at once: what is already fetched, up to this
    /// many, never waiting for more. 1 (the default) hands messages over one at a time.
    /// </summary>
    public int MaxBatchSize { get; init; } = 1;

    /// <summary>
    /// The CloudEvents types this consumer acts on; the others are committed unread (<see cref="KafkaTypeFilter"/>).
    /// Null (the default) hands every message to the deserializer and the handler.
    /// </summary>
    public KafkaTypeFilter? Types { get; init; }

    /// <summary>
    /// How soon the consumer must see a message on a quiet topic; <see cref="KafkaConsumerUrgency.Prompt"/> by default.
    /// Only the embedded broker tells the two apart: a real broker answers a fetch as soon as a record arrives.
    /// </summary>
    public KafkaConsumerUrgency Urgency { get; init; } = KafkaConsumerUrgency.Prompt;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentNullException.ThrowIfNull(Topics);
        ArgumentNullException.ThrowIfNull(Deserializer);
        if (Topics.Count == 0 || Topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Consumer '{Name}' needs at least one topic and no empty topic names.", nameof(Topics));
        }

        if (MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, $"Consumer '{Name}': MaxBatchSize must be at least 1.");
        }
    }
}
