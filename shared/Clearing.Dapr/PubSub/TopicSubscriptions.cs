using Clearing.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clearing.Dapr.PubSub;

/// <summary>What a subscriber tells the sidecar about one delivery (Dapr's SUCCESS / RETRY / DROP).</summary>
public enum TopicEventOutcome
{
    /// <summary>Handled; do not deliver again.</summary>
    Success,

    /// <summary>Not handled yet; deliver again (after the retries, daprd sends it to the dead-letter topic).</summary>
    Retry,

    /// <summary>Deliberately ignored; daprd logs a warning and discards it.</summary>
    Drop,
}

/// <summary>Handles events of one topic. Throwing counts as <see cref="TopicEventOutcome.Retry"/>.</summary>
public interface ITopicEventHandler
{
    ValueTask<TopicEventOutcome> HandleAsync(ReceivedEvent @event, CancellationToken cancellationToken);
}

/// <summary>A declared subscription: events of <see cref="Topic"/> go to <see cref="HandlerType"/>.</summary>
public sealed record TopicSubscription(string Topic, Type HandlerType)
{
    /// <summary>The HTTP route daprd posts the topic's events to.</summary>
    public string Route => "/dapr/events/" + Topic;
}

public static class TopicSubscriptionServiceCollectionExtensions
{
    /// <summary>
    /// Subscribes <typeparamref name="THandler"/> to <paramref name="topic"/>. The subscription is declared to the
    /// sidecar (GET /dapr/subscribe and the gRPC app callback) with <see cref="Topics.DeadLetters"/> as its
    /// dead-letter topic, and is served in-process when Dapr is disabled.
    /// </summary>
    public static IServiceCollection AddTopicSubscription<THandler>(this IServiceCollection services, string topic)
        where THandler : class, ITopicEventHandler
    {
        TopicNames.EnsureKnown(topic);
        services.AddSingleton(new TopicSubscription(topic, typeof(THandler)));
        services.AddScoped<THandler>();
        return services;
    }
}

internal static class TopicNames
{
    public static void EnsureKnown(string topic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        if (!Topics.All.Contains(topic, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"Unknown topic '{topic}': public topics are declared once in Clearing.Contracts.Topics ({string.Join(", ", Topics.All)}).",
                nameof(topic));
        }
    }
}

/// <summary>The subscriptions of this process and the pub/sub component they belong to.</summary>
public sealed class TopicSubscriptionRegistry
{
    private readonly Dictionary<string, TopicSubscription> _byTopic;

    public TopicSubscriptionRegistry(IEnumerable<TopicSubscription> subscriptions, IOptions<DaprOptions> options)
    {
        PubSubName = options.Value.PubSubName;
        _byTopic = new Dictionary<string, TopicSubscription>(StringComparer.Ordinal);
        foreach (var subscription in subscriptions)
        {
            if (!_byTopic.TryAdd(subscription.Topic, subscription))
            {
                throw new InvalidOperationException(
                    $"Topic '{subscription.Topic}' has two handlers ({_byTopic[subscription.Topic].HandlerType.Name} and " +
                    $"{subscription.HandlerType.Name}); one process subscribes to a topic once.");
            }
        }
    }

    public string PubSubName { get; }

    /// <summary>Where daprd puts events whose delivery failed after its retries.</summary>
    public string DeadLetterTopic => Topics.DeadLetters;

    public IReadOnlyCollection<TopicSubscription> All => _byTopic.Values;

    public TopicSubscription? Find(string topic) => _byTopic.GetValueOrDefault(topic);
}

/// <summary>Runs the handler of a subscription in its own DI scope and turns exceptions into Retry.</summary>
public sealed partial class TopicEventDispatcher(
    IServiceScopeFactory scopes, TopicSubscriptionRegistry registry, ILogger<TopicEventDispatcher> logger)
{
    public async ValueTask<TopicEventOutcome> DispatchAsync(ReceivedEvent @event, CancellationToken cancellationToken)
    {
        var subscription = registry.Find(@event.Topic);
        if (subscription is null)
        {
            LogNoSubscription(@event.Topic, @event.Id);
            return TopicEventOutcome.Drop;
        }

        await using var scope = scopes.CreateAsyncScope();
        var handler = (ITopicEventHandler)scope.ServiceProvider.GetRequiredService(subscription.HandlerType);
        try
        {
            return await handler.HandleAsync(@event, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlerFailed(ex, @event.Topic, @event.Id, subscription.HandlerType.Name);
            return TopicEventOutcome.Retry;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId} arrived for topic {Topic}, which this process does not subscribe to; dropped")]
    private partial void LogNoSubscription(string topic, string eventId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handler {Handler} failed on event {EventId} of topic {Topic}; asking for a retry")]
    private partial void LogHandlerFailed(Exception exception, string topic, string eventId, string handler);
}
