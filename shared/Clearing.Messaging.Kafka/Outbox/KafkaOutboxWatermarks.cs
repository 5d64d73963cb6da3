using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>
/// Reads high watermarks on the relay's bootstrap with a consumer handle that never subscribes (so it never joins a
/// group) and an admin client riding on that handle for metadata.
/// </summary>
public sealed class KafkaOutboxWatermarks : IOutboxWatermarks, IDisposable
{
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly IAdminClient _admin;
    private readonly TimeSpan _timeout;

    public KafkaOutboxWatermarks(KafkaConnection connection, KafkaOptions options, string relayName, ILogger? logger = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        var config = KafkaClientConfigs.Consumer(options, connection, $"{options.ServiceName}-outbox-{relayName}-watermarks");
        config.ClientId = $"{options.EffectiveClientId}-outbox-{relayName}-watermarks";
        // Read-committed would answer with the last stable offset, which another producer's open transaction holds
        // below the high watermark; that could look like a lost record.
        config.IsolationLevel = IsolationLevel.ReadUncommitted;
        config.AllowAutoCreateTopics = false;
        logger ??= NullLogger.Instance;
        // Errors surface as exceptions from the calls (an inconclusive check); the client's own reports are only logged.
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, log) => KafkaClientLog.Write(logger, log))
            .SetErrorHandler((_, error) => logger.LogDebug("Outbox watermark client: {Code} {Reason}", error.Code, error.Reason))
            .Build();
        _admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        _timeout = timeout ?? TimeSpan.FromSeconds(5);
    }

    public Task<IReadOnlyDictionary<int, long>> GetHighWatermarksAsync(string topic, CancellationToken cancellationToken) =>
        // The client calls block; keep them off the relay's loop.
        Task.Run<IReadOnlyDictionary<int, long>>(
            () =>
            {
                var metadata = _admin.GetMetadata(topic, _timeout).Topics.SingleOrDefault(t => t.Topic == topic);
                if (metadata is null || metadata.Error.Code == ErrorCode.UnknownTopicOrPart)
                {
                    return new Dictionary<int, long>();
                }

                if (metadata.Error.IsError)
                {
                    throw new KafkaException(metadata.Error);
                }

                var highs = new Dictionary<int, long>();
                foreach (var partition in metadata.Partitions)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    highs[partition.PartitionId] = _consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition.PartitionId), _timeout).High.Value;
                }

                return highs;
            },
            cancellationToken);

    public void Dispose()
    {
        _admin.Dispose();
        _consumer.Dispose();
    }
}
