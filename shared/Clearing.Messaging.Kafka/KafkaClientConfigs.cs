using Clearing.Messaging.Kafka.Consuming;
using Confluent.Kafka;

namespace Clearing.Messaging.Kafka;

/// <summary>librdkafka settings for each kind of client, in one place.</summary>
public static class KafkaClientConfigs
{
    /// <summary>See <see cref="KafkaOptions.FetchWaitMaxMs"/>.</summary>
    public const int EmbeddedFetchWaitMs = 10;

    /// <summary>The process's public producer: idempotent, acks=all, so a retry never duplicates or reorders.</summary>
    public static ProducerConfig Producer(KafkaOptions options, KafkaConnection connection)
    {
        var config = new ProducerConfig(Extra(options))
        {
            BootstrapServers = connection.BootstrapServers,
            ClientId = options.EffectiveClientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            MaxInFlight = 5,
            LingerMs = options.LingerMs,
            MessageTimeoutMs = options.MessageTimeoutMs,
            CompressionType = CompressionType.Lz4,
            // Murmur2 like the Java client, so every producer of a topic puts a given key on the same partition.
            Partitioner = Partitioner.Murmur2Random,
        };
        return config;
    }

    /// <summary>A transactional producer for consume-transform-produce: <c>transactional.id = {service}-{ordinal}</c>.</summary>
    public static ProducerConfig TransactionalProducer(KafkaOptions options, KafkaConnection connection, string transactionalId)
    {
        var config = Producer(options, connection);
        config.ClientId = $"{options.EffectiveClientId}-tx";
        config.TransactionalId = transactionalId;
        config.TransactionTimeoutMs = options.TransactionTimeoutMs;
        return config;
    }

    /// <summary>Consumers commit themselves after handling and read only committed transactional output.</summary>
    public static ConsumerConfig Consumer(KafkaOptions options, KafkaConnection connection, string groupId, KafkaConsumerUrgency urgency = KafkaConsumerUrgency.Prompt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        var config = new ConsumerConfig(Extra(options))
        {
            BootstrapServers = connection.BootstrapServers,
            ClientId = $"{options.EffectiveClientId}-{groupId}",
            GroupId = groupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = false,
        };
        var fetchWait = options.FetchWaitMaxMs ?? (connection.Mode == KafkaBrokerMode.External
            ? null
            : urgency == KafkaConsumerUrgency.Background ? options.BackgroundFetchWaitMs : EmbeddedFetchWaitMs);
        if (fetchWait is { } wait)
        {
            config.FetchWaitMaxMs = wait;
        }

        config.Set("group.protocol", options.GroupProtocol ?? (connection.Mode == KafkaBrokerMode.External ? "classic" : "consumer"));
        return config;
    }

    /// <summary>An admin client (metadata, watermarks) with the cluster's settings: a bare one cannot reach a secured cluster.</summary>
    public static AdminClientConfig Admin(KafkaOptions options, KafkaConnection connection, string? clientId = null)
    {
        var config = new AdminClientConfig(Extra(options)) { BootstrapServers = connection.BootstrapServers };
        if (clientId is not null)
        {
            config.ClientId = clientId;
        }
        return config;
    }

    /// <summary>
    /// A client that only asks for another group's committed offsets (OffsetFetch) and the topic's watermarks:
    /// group.id is the key asked about; without Subscribe it never joins the group.
    /// </summary>
    public static ConsumerConfig OffsetReader(KafkaOptions options, KafkaConnection connection, string groupId, string clientId) =>
        new(Extra(options))
        {
            BootstrapServers = connection.BootstrapServers,
            GroupId = groupId,
            ClientId = clientId,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };

    private static Dictionary<string, string> Extra(KafkaOptions options) =>
        new(options.Properties ?? [], StringComparer.Ordinal);
}
