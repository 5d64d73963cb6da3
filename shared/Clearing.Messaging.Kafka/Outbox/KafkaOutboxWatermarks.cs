using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>
/// Reads high watermarks on the relay's bootstrap with an admin handle: metadata for the partitions, then ListOffsets
/// (latest) — the request a consumer's QueryWatermarkOffsets sends, without a consumer group to look for.
/// </summary>
public sealed class KafkaOutboxWatermarks : IOutboxWatermarks, IDisposable
{
    private readonly IAdminClient _admin;
    private readonly TimeSpan _timeout;

    public KafkaOutboxWatermarks(KafkaConnection connection, KafkaOptions options, string relayName, ILogger? logger = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        // The service's extra properties carry the cluster's security settings, so they apply here too.
        var config = KafkaClientConfigs.Admin(options, connection, $"{options.EffectiveClientId}-outbox-{relayName}-watermarks");
        // Failures surface as exceptions from the calls (an inconclusive check); the client's own reports are only logged.
        _admin = new AdminClientBuilder(config)
            .SetLogHandler((_, log) => KafkaClientLog.Write(logger, log))
            .SetErrorHandler((_, error) => logger.LogDebug("Outbox watermark client: {Code} {Reason}", error.Code, error.Reason))
            .Build();
        _timeout = timeout ?? TimeSpan.FromSeconds(5);
    }

    public async Task<IReadOnlyDictionary<int, long>> GetHighWatermarksAsync(string topic, CancellationToken cancellationToken)
    {
        // GetMetadata blocks; keep it off the relay's loop.
        var metadata = await Task.Run(() => _admin.GetMetadata(topic, _timeout).Topics.SingleOrDefault(t => t.Topic == topic), cancellationToken);
        if (metadata is null || metadata.Error.Code == ErrorCode.UnknownTopicOrPart)
        {
            return new Dictionary<int, long>();
        }

        if (metadata.Error.IsError)
        {
            throw new KafkaException(metadata.Error);
        }

        if (metadata.Partitions.Count == 0)
        {
            return new Dictionary<int, long>();
        }

        var result = await _admin.ListOffsetsAsync(
            metadata.Partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, p.PartitionId), OffsetSpec = OffsetSpec.Latest() }),
            // Read-committed would answer with the last stable offset, which another producer's open transaction holds
            // below the high watermark; that could look like a lost record.
            new ListOffsetsOptions { IsolationLevel = IsolationLevel.ReadUncommitted, RequestTimeout = _timeout });
        return result.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.Partition.Value, r => r.TopicPartitionOffsetError.Offset.Value);
    }

    public void Dispose() => _admin.Dispose();
}
