namespace Clearing.Messaging.Kafka;

/// <summary>Where a consumed message came from and what its envelope says.</summary>
public sealed record KafkaMessageMetadata
{
    public required string Topic { get; init; }
    public required int Partition { get; init; }
    public required long Offset { get; init; }
    public required string Key { get; init; }
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Source { get; init; }
    public required string Subject { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string SourceStream { get; init; }
    public required long SourceSequence { get; init; }
    public string? ContentType { get; init; }
    public string? CorrelationId { get; init; }
    public string? CausationId { get; init; }
}

/// <summary>A consumed message: the deserialized payload and its metadata.</summary>
public sealed record KafkaInboundMessage<TMessage>(TMessage Payload, KafkaMessageMetadata Metadata);
