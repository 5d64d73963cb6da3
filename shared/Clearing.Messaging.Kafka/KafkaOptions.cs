namespace Clearing.Messaging.Kafka;

/// <summary>The <c>Kafka</c> configuration section.</summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>A real cluster (host:port list). When absent the embedded broker is used.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>
    /// Where a separately running embedded broker (<c>clearing broker</c>) wrote its bootstrap servers. Used only when
    /// <see cref="BootstrapServers"/> is absent; without either, an embedded broker starts inside this process.
    /// </summary>
    public string? EmbeddedBootstrapFile { get; set; }

    /// <summary>Partitions per topic of an in-process embedded broker.</summary>
    public int EmbeddedPartitions { get; set; } = 4;

    /// <summary>
    /// The service's name: CloudEvents source (<c>/clearing/{name}</c>), default client id, group and transactional id
    /// prefix. When not configured, AddClearingKafka derives it from the host's application name (Clearing.Margin →
    /// clearing-margin), so two services never share a group or a transactional id by accident.
    /// </summary>
    public string ServiceName { get; set; } = "clearing";

    /// <summary>Replica ordinal (StatefulSet index); the transactional id is <c>{ServiceName}-{InstanceOrdinal}</c>.</summary>
    public int InstanceOrdinal { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Default consumer group; defaults to <see cref="ServiceName"/>.</summary>
    public string? ConsumerGroup { get; set; }

    /// <summary>Producer batching delay. A few milliseconds buys large batches at little latency.</summary>
    public int LingerMs { get; set; } = 5;

    /// <summary>How long a message may wait for delivery before the producer reports it failed.</summary>
    public int MessageTimeoutMs { get; set; } = 30_000;

    public int TransactionTimeoutMs { get; set; } = 30_000;

    /// <summary>
    /// Whether offsets sent in a transaction are also committed plainly after the transaction commits. The embedded
    /// broker drops transactional offsets; null means "only for the embedded broker".
    /// </summary>
    public bool? MirrorTransactionalOffsets { get; set; }

    /// <summary>
    /// Consumer group protocol: "classic" or "consumer" (KIP-848, Kafka 4+). Null means "consumer" for the embedded
    /// broker — its classic coordinator keeps a departed member until its session times out, so a restarted consumer
    /// would wait ~45 s for partitions — and "classic" for a real cluster.
    /// </summary>
    public string? GroupProtocol { get; set; }

    /// <summary>
    /// Consumer fetch.wait.max.ms. Null means 10 ms for the embedded broker, which (unlike a real broker) answers an
    /// empty fetch only after the full wait even when records arrive meanwhile — at librdkafka's 500 ms default every
    /// consumer hop of the local stack added up to half a second (margin-e2e and matching-e2e benches) — and
    /// librdkafka's default for a real cluster, where a fetch returns as soon as a byte is there.
    /// </summary>
    public int? FetchWaitMaxMs { get; set; }

    /// <summary>
    /// fetch.wait.max.ms of <see cref="Consuming.KafkaConsumerUrgency.Background"/> consumers on the embedded broker
    /// (views, parameters, periodic work), unless <see cref="FetchWaitMaxMs"/> sets one wait for all. A fetch there
    /// costs the broker and the client a wake-up whether or not anything arrived: at 10 ms, the ~30 consumers of an idle
    /// local stack took half a core between them.
    /// </summary>
    public int BackgroundFetchWaitMs { get; set; } = 100;

    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a consumer commits the offsets of messages it has handled.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A consumer also commits once this many handled messages are uncommitted.</summary>
    public int CommitBatchSize { get; set; } = 500;

    public KafkaRetryOptions Retry { get; set; } = new();

    /// <summary>Extra librdkafka properties for every client (e.g. security.protocol, sasl.*), from Helm-backed secrets.</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    public string EffectiveClientId => string.IsNullOrWhiteSpace(ClientId) ? $"{ServiceName}-{InstanceOrdinal}" : ClientId;

    public string EffectiveConsumerGroup => string.IsNullOrWhiteSpace(ConsumerGroup) ? ServiceName : ConsumerGroup;

    public string CloudEventsSource => $"/clearing/{ServiceName}";

    public string TransactionalId => $"{ServiceName}-{InstanceOrdinal}";
}

/// <summary>Handler retries before a message is dead-lettered (Polly retry with exponential back-off).</summary>
public sealed class KafkaRetryOptions
{
    public int MaxRetries { get; set; } = 3;

    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);
}
