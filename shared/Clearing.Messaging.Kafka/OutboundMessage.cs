namespace Clearing.Messaging.Kafka;

/// <summary>A public message on its way to Kafka, before the envelope headers are added.</summary>
public sealed record OutboundMessage
{
    public required string Topic { get; init; }

    /// <summary>The aggregate id (market or account): Kafka keeps order per key. Also the CloudEvents subject.</summary>
    public required string Key { get; init; }

    /// <summary>CloudEvents type, stable and versioned, e.g. <c>clearing.matching.fill.v1</c>.</summary>
    public required string Type { get; init; }

    public required byte[] Payload { get; init; }

    /// <summary>The stream the event was stored in; with <see cref="SourceSequence"/> it lets consumers skip repeats.</summary>
    public required string SourceStream { get; init; }

    public required long SourceSequence { get; init; }

    /// <summary>CloudEvents id; defaults to <c>{SourceStream}:{SourceSequence}</c> so a republished event keeps its id.</summary>
    public string? Id { get; init; }

    /// <summary>When the event happened; defaults to the publisher's clock.</summary>
    public DateTimeOffset? Time { get; init; }

    public string? CorrelationId { get; init; }

    public string? CausationId { get; init; }

    public string ContentType { get; init; } = "application/protobuf";

    public string EffectiveId => Id ?? $"{SourceStream}:{SourceSequence}";

    internal void Validate()
    {
        Require(Topic, nameof(Topic));
        Require(Key, nameof(Key));
        Require(Type, nameof(Type));
        Require(SourceStream, nameof(SourceStream));
        Require(ContentType, nameof(ContentType));
        ArgumentNullException.ThrowIfNull(Payload);
        if (SourceSequence < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SourceSequence), SourceSequence, "A source sequence is never negative.");
        }
    }

    private static void Require(string value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"OutboundMessage.{name} must not be empty.", name);
        }
    }
}
