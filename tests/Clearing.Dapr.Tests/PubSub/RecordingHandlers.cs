using System.Collections.Concurrent;
using Clearing.Dapr.PubSub;

namespace Clearing.Dapr.Tests.PubSub;

/// <summary>Everything the test handlers saw, per topic, and how often each event was attempted.</summary>
public sealed class EventSink
{
    public ConcurrentQueue<ReceivedEvent> Handled { get; } = new();

    public ConcurrentQueue<ReceivedEvent> DeadLettered { get; } = new();

    public ConcurrentDictionary<string, int> Attempts { get; } = new(StringComparer.Ordinal);
}

/// <summary>Succeeds, except for event types ending in ".fail" (throws) and ".drop" (drops).</summary>
public sealed class ScriptedHandler(EventSink sink) : ITopicEventHandler
{
    public ValueTask<TopicEventOutcome> HandleAsync(ReceivedEvent @event, CancellationToken cancellationToken)
    {
        sink.Attempts.AddOrUpdate(@event.Id, 1, (_, n) => n + 1);
        if (@event.Type.EndsWith(".fail", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"handler cannot process {@event.Id}");
        }

        if (@event.Type.EndsWith(".drop", StringComparison.Ordinal))
        {
            return ValueTask.FromResult(TopicEventOutcome.Drop);
        }

        sink.Handled.Enqueue(@event);
        return ValueTask.FromResult(TopicEventOutcome.Success);
    }
}

public sealed class DeadLetterHandler(EventSink sink) : ITopicEventHandler
{
    public ValueTask<TopicEventOutcome> HandleAsync(ReceivedEvent @event, CancellationToken cancellationToken)
    {
        sink.DeadLettered.Enqueue(@event);
        return ValueTask.FromResult(TopicEventOutcome.Success);
    }
}

internal static class SampleEvents
{
    public static OutgoingEvent RiskChanged(string id = "evt-1", string type = "clearing.margin.risk-changed.v1") => new()
    {
        Id = id,
        Source = "clearing/margin",
        Type = type,
        Subject = "account-42",
        Time = new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero),
        DataContentType = "application/json",
        Data = """{"account":"account-42","marginRatio":"0.0625"}"""u8.ToArray(),
        CorrelationId = "corr-7",
        CausationId = "fill-99",
    };
}
