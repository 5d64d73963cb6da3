using Clearing.Contracts;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Testing.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Testcontainers.Kafka;
using Xunit;

namespace Clearing.Testing.Kafka;

/// <summary>
/// A Kafka broker for tests, in this order: a Testcontainers container when a Docker engine is reachable; else the
/// cluster in KAFKA_BOOTSTRAP; else the embedded broker (librdkafka's mock cluster, in this process). The mode is
/// printed and exposed, because the embedded broker has two known gaps (see <see cref="IsolatesAbortedTransactions"/>).
/// </summary>
public sealed class KafkaFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "KAFKA_BOOTSTRAP";

    private KafkaContainer? _container;

    public KafkaFixtureMode Mode { get; private set; } = KafkaFixtureMode.Unset;

    public string BootstrapServers { get; private set; } = string.Empty;

    /// <summary>The in-process broker in <see cref="KafkaFixtureMode.Embedded"/> mode.</summary>
    public EmbeddedKafkaBroker? EmbeddedBroker { get; private set; }

    /// <summary>
    /// False on the embedded broker: librdkafka's mock cluster hands aborted transactional records to read_committed
    /// consumers and does not store offsets sent in a transaction. True for a real cluster.
    /// </summary>
    public bool IsolatesAbortedTransactions => Mode != KafkaFixtureMode.Embedded;

    public KafkaBrokerMode BrokerMode => Mode == KafkaFixtureMode.Embedded ? KafkaBrokerMode.EmbeddedInProcess : KafkaBrokerMode.External;

    public async Task InitializeAsync()
    {
        if (DockerEngine.IsReachable)
        {
            _container = new KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
            await _container.StartAsync();
            BootstrapServers = _container.GetBootstrapAddress();
            Mode = KafkaFixtureMode.Testcontainers;
        }
        else if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } bootstrap)
        {
            BootstrapServers = bootstrap;
            Mode = KafkaFixtureMode.Environment;
        }
        else
        {
            EmbeddedBroker = EmbeddedKafkaBroker.Start();
            BootstrapServers = EmbeddedBroker.BootstrapServers;
            Mode = KafkaFixtureMode.Embedded;
        }

        foreach (var topic in Topics.All)
        {
            await CreateTopicAsync(topic, partitions: 4);
        }

        Console.WriteLine($"[infrastructure] Kafka mode: {Mode} ({BootstrapServers})");
    }

    /// <summary>A connection for library types that take one directly.</summary>
    public KafkaConnection Connection() => KafkaConnection.ForBootstrap(BootstrapServers, BrokerMode);

    /// <summary>Options pointing at this broker, for a test "service".</summary>
    public KafkaOptions Options(string serviceName = "tests") => new()
    {
        BootstrapServers = BootstrapServers,
        ServiceName = serviceName,
        MirrorTransactionalOffsets = Mode == KafkaFixtureMode.Embedded,
        CommitInterval = TimeSpan.FromMilliseconds(50),
        Retry = new KafkaRetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
    };

    /// <summary>Configuration keys equivalent to <see cref="Options"/>, for tests that build a host.</summary>
    public Dictionary<string, string?> Configuration(string serviceName = "tests") => new()
    {
        ["Kafka:BootstrapServers"] = BootstrapServers,
        ["Kafka:ServiceName"] = serviceName,
        ["Kafka:MirrorTransactionalOffsets"] = (Mode == KafkaFixtureMode.Embedded).ToString(),
        ["Kafka:GroupProtocol"] = Mode == KafkaFixtureMode.Embedded ? "consumer" : "classic",
        ["Kafka:CommitInterval"] = "00:00:00.050",
        ["Kafka:Retry:BaseDelay"] = "00:00:00.010",
        ["Kafka:Retry:MaxDelay"] = "00:00:00.050",
    };

    /// <summary>A fresh topic, so tests sharing the broker never read each other's messages.</summary>
    public async Task<string> NewTopicAsync(string prefix, int partitions = 4)
    {
        var topic = $"test.{prefix}.{Guid.NewGuid():N}";
        await CreateTopicAsync(topic, partitions);
        return topic;
    }

    public async Task CreateTopicAsync(string topic, int partitions)
    {
        if (EmbeddedBroker is not null)
        {
            // The mock cluster has no controller: CreateTopics is refused, its own API is not.
            EmbeddedBroker.CreateTopic(topic, partitions);
            return;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        try
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Already there from an earlier run against the same cluster: fine.
        }
    }

    public async Task DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (EmbeddedBroker is not null)
        {
            await EmbeddedBroker.DisposeAsync();
        }
    }
}

public enum KafkaFixtureMode
{
    Unset,
    Testcontainers,
    Environment,
    Embedded,
}
