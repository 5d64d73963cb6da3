using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Clearing.Contracts;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Rules;

namespace Clearing.OrderGateway.Application;

/// <summary>
/// "OrderGateway:Backpressure": how far behind the stack may fall before the gateway refuses new orders. Without it the
/// gateway accepted 3,000 orders/s while matching sustained ~1,600: the backlog grew by the second (accepted→matched
/// p50 21.7 s) until consumers fell off the embedded broker's retained log. Refusing at the door with a clear status
/// is what a venue does under overload (Binance answers 503 / "service unavailable" rather than queueing unboundedly).
/// </summary>
public sealed class GatewayBackpressureOptions
{
    /// <summary>Refuse new orders when this many stored commands await publishing (store head − published checkpoint). 0 turns the check off.</summary>
    [Range(0, long.MaxValue, ErrorMessage = "{0} must not be negative")]
    public long MaxOutboxLag { get; set; } = 20_000;

    /// <summary>
    /// Refuse new orders when any watched consumer group is this many offsets behind the end of its topic (summed over
    /// partitions). 5,000 is ~3 s of matching's sustained local rate (1,600 orders/s on a quiet 2-core machine) and far
    /// inside the embedded broker's 5 MiB per partition retention; at 20,000 a loaded machine's margin (~150 fills/s)
    /// was left a minute of backlog. 0 turns the check off.
    /// </summary>
    [Range(0, long.MaxValue, ErrorMessage = "{0} must not be negative")]
    public long MaxConsumerLag { get; set; } = 5_000;

    /// <summary>
    /// Consumer group → the topic whose lag is watched. Default: matching on the order commands this gateway writes, and
    /// the services that book every fill on matching's events (margin first: it fell behind first under load). A group
    /// that has not committed anything yet is not judged (a deployment that names its groups differently, or runs
    /// without one of them, is not locked out).
    /// </summary>
    public Dictionary<string, string> WatchedGroups { get; set; } = new(StringComparer.Ordinal)
    {
        ["matching"] = Topics.OrderCommands,
        ["margin-fills"] = Topics.MatchingEvents,
        ["liquidation-matching"] = Topics.MatchingEvents,
        ["settlement-fills"] = Topics.MatchingEvents,
        ["vault-matching"] = Topics.MatchingEvents,
    };

    /// <summary>How often the consumer lag is read from the broker (one OffsetFetch per watched group, one ListOffsets for all their partitions).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "{0} must be between 00:00:00.050 and 00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A lag reading older than this is not acted on: a broken probe must not lock traders out (it logs instead).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "{0} must be between 00:00:01 and 00:10:00")]
    public TimeSpan MaxReadingAge { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<string> Problems()
    {
        foreach (var (group, topic) in WatchedGroups)
        {
            if (string.IsNullOrWhiteSpace(group) || string.IsNullOrWhiteSpace(topic))
            {
                yield return $"{OrderGatewayOptions.Section}:Backpressure:WatchedGroups needs a group name and a topic for each entry, got '{group}' → '{topic}'";
            }
        }
    }
}

/// <summary>One consumer group's distance behind the end of a topic, as last read.</summary>
public sealed record ConsumerLagReading(string Group, string Topic, long Lag);

/// <summary>
/// Decides whether the gateway is over its load bounds, from the outbox relay's lag (read live) and the latest consumer
/// lag reading (<see cref="ConsumerLagMonitor"/> refreshes it). Only new orders are refused: cancels, amends and
/// cancel-all still pass, so traders can always take risk off an overloaded venue.
/// </summary>
public sealed class GatewayBackpressure(GatewayBackpressureOptions options, Func<long?> outboxLag, TimeProvider time)
{
    private volatile Snapshot _consumers = new([], long.MinValue, null);

    /// <summary>Refusals for backpressure since start.</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    private long _refused;

    /// <summary>
    /// Records a consumer lag reading taken now. Its verdict is reached here, once per reading: refusing each order of an
    /// overloaded stack used to sort the readings and write the message again for every order.
    /// </summary>
    public void Update(IReadOnlyList<ConsumerLagReading> readings) => _consumers = new Snapshot(readings, time.GetTimestamp(), ConsumerRefusal(readings));

    /// <summary>The latest consumer lag readings, null when none is fresh.</summary>
    public IReadOnlyList<ConsumerLagReading>? FreshReadings() => Fresh()?.Readings;

    /// <summary>The refusal for <paramref name="command"/> when the stack is over a bound, else null.</summary>
    public Refusal? Check(GatewayCommand command)
    {
        if (command.Kind != CommandKind.Place)
        {
            return null;
        }

        var refusal = Overloaded();
        if (refusal is not null)
        {
            Interlocked.Increment(ref _refused);
        }

        return refusal;
    }

    private Refusal? Overloaded()
    {
        if (options.MaxOutboxLag > 0 && outboxLag() is { } lag && lag > options.MaxOutboxLag)
        {
            return Rule.Refuse(Rule.Backpressure, string.Create(CultureInfo.InvariantCulture,
                $"the gateway has {lag} accepted command(s) not yet published to {Topics.OrderCommands} (bound {options.MaxOutboxLag}); retry shortly"));
        }

        return Fresh()?.Refusal;
    }

    private Snapshot? Fresh()
    {
        var snapshot = _consumers;
        return snapshot.At != long.MinValue && time.GetElapsedTime(snapshot.At) <= options.MaxReadingAge ? snapshot : null;
    }

    /// <summary>The refusal the readings call for: the group furthest over the bound (the first of equals), or null.</summary>
    private Refusal? ConsumerRefusal(IReadOnlyList<ConsumerLagReading> readings)
    {
        if (options.MaxConsumerLag <= 0)
        {
            return null;
        }

        ConsumerLagReading? worst = null;
        foreach (var reading in readings)
        {
            if (reading.Lag > options.MaxConsumerLag && (worst is null || reading.Lag > worst.Lag))
            {
                worst = reading;
            }
        }

        return worst is null
            ? null
            : Rule.Refuse(Rule.Backpressure, string.Create(CultureInfo.InvariantCulture,
                $"consumer group '{worst.Group}' is {worst.Lag} message(s) behind on {worst.Topic} (bound {options.MaxConsumerLag}); retry shortly"));
    }

    private sealed record Snapshot(IReadOnlyList<ConsumerLagReading> Readings, long At, Refusal? Refusal);
}
