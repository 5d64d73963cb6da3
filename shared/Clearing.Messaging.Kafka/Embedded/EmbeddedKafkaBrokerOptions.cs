using Clearing.Contracts;

namespace Clearing.Messaging.Kafka.Embedded;

/// <summary>How an <see cref="EmbeddedKafkaBroker"/> starts.</summary>
public sealed record EmbeddedKafkaBrokerOptions
{
    /// <summary>Number of in-memory brokers (ids 1..N), each listening on its own 127.0.0.1 port.</summary>
    public int BrokerCount { get; init; } = 3;

    /// <summary>Partitions of every topic created at start.</summary>
    public int Partitions { get; init; } = 4;

    /// <summary>Topics created at start so <c>kcat -L</c> and consumers see them before anyone produces.</summary>
    public IReadOnlyList<string> Topics { get; init; } = Clearing.Contracts.Topics.All;

    /// <summary>
    /// How long a new consumer group waits for more members before its first assignment. Kafka's 3 s default
    /// batches joins in production; locally it only makes every consumer start late.
    /// </summary>
    public TimeSpan GroupInitialRebalanceDelay { get; init; } = TimeSpan.Zero;

    /// <summary>When set, the bootstrap string is written here so other local processes can find the broker.</summary>
    public string? BootstrapFile { get; init; }

    internal void Validate()
    {
        if (BrokerCount is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(BrokerCount), BrokerCount, "The embedded broker runs 1 to 16 brokers.");
        }

        if (Partitions is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(Partitions), Partitions, "Topics need 1 to 1000 partitions.");
        }

        if (GroupInitialRebalanceDelay < TimeSpan.Zero || GroupInitialRebalanceDelay > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(GroupInitialRebalanceDelay), GroupInitialRebalanceDelay, "The delay runs from 0 to 5 minutes.");
        }

        foreach (var topic in Topics)
        {
            if (string.IsNullOrWhiteSpace(topic))
            {
                throw new ArgumentException("Topic names must not be empty.", nameof(Topics));
            }
        }
    }
}
