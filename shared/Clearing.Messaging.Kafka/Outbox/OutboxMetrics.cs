using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>
/// The relay's instruments, on one meter named "Clearing.*" so the service defaults export them. Lag is the store's head
/// position minus the relay's checkpoint: events stored but not yet confirmed by the broker.
/// </summary>
public static class OutboxMetrics
{
    public const string MeterName = "Clearing.Messaging.Outbox";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<OutboxRelay, byte> Running = new();

    internal static readonly Counter<long> Published = Meter.CreateCounter<long>(
        "clearing.outbox.published", "{message}", "Messages confirmed by the broker (a republished event counts again)");

    internal static readonly Counter<long> Private = Meter.CreateCounter<long>(
        "clearing.outbox.private", "{event}", "Stored events the translator kept private");

    internal static readonly Counter<long> FailedPages = Meter.CreateCounter<long>(
        "clearing.outbox.failed_pages", "{page}", "Pages not fully confirmed, published again after a pause");

    internal static readonly Counter<long> Rewinds = Meter.CreateCounter<long>(
        "clearing.outbox.rewinds", "{rewind}", "Broker wipes detected, each followed by a republish from the start of the store");

    private static readonly ObservableGauge<long> Lag = Meter.CreateObservableGauge(
        "clearing.outbox.lag", () => Running.Keys.Select(r => new Measurement<long>(r.Lag, Tag(r))), "{event}", "Store head position minus the relay's checkpoint");

    private static readonly ObservableGauge<long> Checkpoint = Meter.CreateObservableGauge(
        "clearing.outbox.checkpoint", () => Running.Keys.Select(r => new Measurement<long>(r.Checkpoint, Tag(r))), "{position}", "The last global position the broker confirmed");

    internal static KeyValuePair<string, object?> Tag(OutboxRelay relay) => new("relay", relay.Name);

    internal static void Register(OutboxRelay relay)
    {
        // Touch the gauges so they exist before the first collection.
        _ = Lag;
        _ = Checkpoint;
        Running.TryAdd(relay, 0);
    }

    internal static void Unregister(OutboxRelay relay) => Running.TryRemove(relay, out _);
}
