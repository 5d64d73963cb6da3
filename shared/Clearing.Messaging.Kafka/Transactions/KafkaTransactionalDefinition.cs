using Clearing.Messaging.Kafka.Consuming;

namespace Clearing.Messaging.Kafka.Transactions;

/// <summary>Turns one input into the messages to publish for it. Must be deterministic: a rewound batch runs again.</summary>
public delegate ValueTask<IReadOnlyList<OutboundMessage>> KafkaTransform<TMessage>(KafkaInboundMessage<TMessage> input, CancellationToken cancellationToken);

/// <summary>What a consume-transform-produce processor reads and how it batches.</summary>
public sealed record KafkaTransactionalDefinition<TMessage>
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> InputTopics { get; init; }

    public required IKafkaPayloadDeserializer<TMessage> Deserializer { get; init; }

    /// <summary>Consumer group; defaults to <c>Kafka:ConsumerGroup</c>, else the service name.</summary>
    public string? GroupId { get; init; }

    /// <summary>Defaults to <c>{ServiceName}-{InstanceOrdinal}</c>; a restarted replica fences its zombie predecessor.</summary>
    public string? TransactionalId { get; init; }

    /// <summary>Most inputs in one transaction.</summary>
    public int MaxBatchSize { get; init; } = 500;

    /// <summary>How long a batch waits for more input after its first message.</summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromMilliseconds(20);

    public KafkaRetryOptions? Retry { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentNullException.ThrowIfNull(InputTopics);
        ArgumentNullException.ThrowIfNull(Deserializer);
        if (InputTopics.Count == 0 || InputTopics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Processor '{Name}' needs at least one input topic and no empty topic names.", nameof(InputTopics));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchWindow, TimeSpan.Zero);
    }
}
