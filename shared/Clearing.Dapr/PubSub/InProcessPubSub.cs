using Clearing.Contracts;
using Microsoft.Extensions.Logging;

namespace Clearing.Dapr.PubSub;

/// <summary>
/// The embedded pub/sub used when <c>Dapr:Enabled=false</c>: an event goes to this process's own subscriber of the
/// topic, with the same outcome rules as daprd — Retry (or an exception) is retried up to
/// <see cref="MaxDeliveryAttempts"/> times, then the event goes to the dead-letter topic's subscriber, if any.
/// Events of topics nobody here subscribes to are discarded, as a broker topic without consumers would keep them
/// out of this process anyway. Cross-service traffic uses Kafka; this only serves low-volume local fan-out.
/// </summary>
public sealed partial class InProcessPubSub(
    TopicSubscriptionRegistry registry, TopicEventDispatcher dispatcher, ILogger<InProcessPubSub> logger) : IPubSubPublisher
{
    public const int MaxDeliveryAttempts = 3;

    public async ValueTask PublishAsync(string topic, OutgoingEvent @event, CancellationToken cancellationToken = default)
    {
        TopicNames.EnsureKnown(topic);
        OutgoingEvents.Validate(@event);
        if (registry.Find(topic) is null)
        {
            return;
        }

        var received = ToReceived(topic, @event);
        for (var attempt = 1; attempt <= MaxDeliveryAttempts; attempt++)
        {
            var outcome = await dispatcher.DispatchAsync(received, cancellationToken);
            if (outcome != TopicEventOutcome.Retry)
            {
                return;
            }
        }

        LogDeadLettered(@event.Id, topic, MaxDeliveryAttempts, registry.DeadLetterTopic);
        if (topic != Topics.DeadLetters && registry.Find(Topics.DeadLetters) is not null)
        {
            await dispatcher.DispatchAsync(received with { Topic = Topics.DeadLetters }, cancellationToken);
        }
    }

    private ReceivedEvent ToReceived(string topic, OutgoingEvent @event) => new()
    {
        Id = @event.Id,
        Source = @event.Source,
        Type = @event.Type,
        Subject = @event.Subject,
        Time = @event.Time,
        Topic = topic,
        PubSubName = registry.PubSubName,
        DataContentType = @event.DataContentType,
        Data = @event.Data,
        CorrelationId = @event.CorrelationId,
        CausationId = @event.CausationId,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId} of topic {Topic} failed {Attempts} deliveries; sent to {DeadLetterTopic}")]
    private partial void LogDeadLettered(string eventId, string topic, int attempts, string deadLetterTopic);
}
