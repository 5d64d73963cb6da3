using Dapr.Client;
using Polly;

namespace Clearing.Dapr.PubSub;

/// <summary>
/// Publishes through the sidecar's pub/sub API as a structured CloudEvent. The subject (aggregate id) is also sent
/// as the <c>partitionKey</c> metadata, which the Kafka component uses as the message key so one aggregate's
/// events stay in order.
/// </summary>
public sealed class DaprPubSubPublisher : IPubSubPublisher
{
    /// <summary>The per-call metadata key Dapr's Kafka (and Event Hubs / Service Bus) components read as partition key.</summary>
    public const string PartitionKeyMetadata = "partitionKey";

    private readonly DaprClient _client;
    private readonly ResiliencePipeline _pipeline;

    public DaprPubSubPublisher(DaprClient client, string pubSubName, ResiliencePipeline? pipeline = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(pubSubName);
        _client = client;
        PubSubName = pubSubName;
        _pipeline = pipeline ?? ResiliencePipeline.Empty;
    }

    public string PubSubName { get; }

    public async ValueTask PublishAsync(string topic, OutgoingEvent @event, CancellationToken cancellationToken = default)
    {
        TopicNames.EnsureKnown(topic);
        OutgoingEvents.Validate(@event);
        var envelope = CloudEventJson.Serialize(@event);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [PartitionKeyMetadata] = @event.Subject };
        await _pipeline.ExecuteAsync(
            async ct => await _client.PublishByteEventAsync(PubSubName, topic, envelope, CloudEventJson.ContentType, metadata, ct),
            cancellationToken);
    }
}

internal static class OutgoingEvents
{
    public static void Validate(OutgoingEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        Require(@event.Id, "Id");
        Require(@event.Source, "Source");
        Require(@event.Type, "Type");
        Require(@event.Subject, "Subject");
        Require(@event.DataContentType, "DataContentType");
    }

    private static void Require(string value, string attribute)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"The event's CloudEvents attribute {attribute} is empty; it is required.", "event");
        }
    }
}
