using Clearing.Messaging.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.OrderGateway.Application;

/// <summary>
/// Reads how far each watched consumer group is behind the end of its topic (high watermark − committed offset, summed
/// over partitions) every <see cref="GatewayBackpressureOptions.PollInterval"/> and hands it to
/// <see cref="GatewayBackpressure"/>, so admission only reads a number. The groups are only asked for their committed
/// offsets (OffsetFetch): this process never joins them.
/// </summary>
public sealed partial class ConsumerLagMonitor(
    GatewayBackpressure backpressure,
    GatewayBackpressureOptions options,
    KafkaConnection connection,
    Microsoft.Extensions.Options.IOptions<KafkaOptions> kafka,
    TimeProvider time,
    ILogger<ConsumerLagMonitor> logger) : BackgroundService
{
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.MaxConsumerLag <= 0 || options.WatchedGroups.Count == 0
            ? Task.CompletedTask
            // The Kafka calls block: keep them off the host's start-up path and the thread pool's short work.
            : Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var probes = options.WatchedGroups.Select(w => new Probe(w.Key, w.Value, ProbeConfig(w.Key, connection, kafka.Value))).ToList();
        var failing = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    backpressure.Update(probes.Select(p => p.Read()).OfType<ConsumerLagReading>().ToList());
                    if (failing)
                    {
                        LogRecovered(logger);
                        failing = false;
                    }
                }
                catch (KafkaException e)
                {
                    // The reading goes stale and is no longer acted on (GatewayBackpressureOptions.MaxReadingAge).
                    if (!failing)
                    {
                        LogReadFailed(logger, e, e.Error.Reason);
                        failing = true;
                    }
                }

                try
                {
                    await Task.Delay(options.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        finally
        {
            foreach (var probe in probes)
            {
                probe.Dispose();
            }
        }
    }

    /// <summary>The probe's client: the cluster's Kafka:Properties (SASL, TLS) like every other client.</summary>
    public static ConsumerConfig ProbeConfig(string group, KafkaConnection connection, KafkaOptions kafka) =>
        KafkaClientConfigs.OffsetReader(kafka, connection, group, $"order-gateway-lag-{group}");

    /// <summary>One watched group: a group-less view of its committed offsets and its topic's high watermarks.</summary>
    private sealed class Probe(string group, string topic, ConsumerConfig config) : IDisposable
    {
        private readonly IConsumer<byte[]?, byte[]?> _client = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();

        private List<TopicPartition> _partitions = [];

        /// <summary>Null when the group has committed nothing on the topic yet: nothing to judge it by.</summary>
        public ConsumerLagReading? Read()
        {
            if (_partitions.Count == 0)
            {
                using var admin = new DependentAdminClientBuilder(_client.Handle).Build();
                var metadata = admin.GetMetadata(topic, BrokerTimeout).Topics.SingleOrDefault(t => t.Topic == topic);
                if (metadata is null || metadata.Error.IsError)
                {
                    return null;
                }

                _partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
            }

            var committed = _client.Committed(_partitions, BrokerTimeout);
            if (committed.All(c => c.Offset.IsSpecial))
            {
                return null;
            }

            var lag = 0L;
            foreach (var partition in _partitions)
            {
                var marks = _client.QueryWatermarkOffsets(partition, BrokerTimeout);
                var at = committed.FirstOrDefault(c => c.TopicPartition == partition)?.Offset ?? Offset.Unset;
                var from = at.IsSpecial ? marks.Low.Value : at.Value;
                lag += Math.Max(0, marks.High.Value - from);
            }

            return new ConsumerLagReading(group, topic, lag);
        }

        public void Dispose()
        {
            _client.Close();
            _client.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backpressure: reading the watched consumer groups' lag failed ({Reason}); orders are admitted without the consumer-lag bound until it recovers")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backpressure: reading the watched consumer groups' lag works again")]
    private static partial void LogRecovered(ILogger logger);
}
