namespace Clearing.Dapr.PubSub;

/// <summary>
/// Publishes an event to a public topic (one of <see cref="Clearing.Contracts.Topics"/>) as a CloudEvent.
/// Delivery is at least once: subscribers deduplicate by <see cref="OutgoingEvent.Id"/>.
/// </summary>
public interface IPubSubPublisher
{
    ValueTask PublishAsync(string topic, OutgoingEvent @event, CancellationToken cancellationToken = default);
}

/// <summary>
/// One event with its CloudEvents attributes (DESIGN.md §4): subject is the aggregate id and doubles as the
/// partition key so that events of one aggregate stay in order.
/// </summary>
public sealed record OutgoingEvent
{
    public required string Id { get; init; }

    /// <summary>The producing service, e.g. <c>clearing/margin</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The stable public type name, e.g. <c>clearing.margin.risk-changed.v1</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The aggregate id (market or account).</summary>
    public required string Subject { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary><c>application/json</c> for JSON payloads, <c>application/x-protobuf</c> for protobuf contracts.</summary>
    public required string DataContentType { get; init; }

    public required ReadOnlyMemory<byte> Data { get; init; }

    public string? CorrelationId { get; init; }

    public string? CausationId { get; init; }
}

/// <summary>An event delivered to a subscriber, whichever way it arrived (HTTP, gRPC app callback, in-process).</summary>
public sealed record ReceivedEvent
{
    public required string Id { get; init; }

    public required string Source { get; init; }

    public required string Type { get; init; }

    public string? Subject { get; init; }

    public DateTimeOffset? Time { get; init; }

    public required string Topic { get; init; }

    public required string PubSubName { get; init; }

    public required string DataContentType { get; init; }

    public required ReadOnlyMemory<byte> Data { get; init; }

    public string? CorrelationId { get; init; }

    public string? CausationId { get; init; }
}
