using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Messaging.Kafka;
using Confluent.Kafka;
using Google.Protobuf;

namespace Clearing.Matching.Integration;

/// <summary>
/// The last sequence of each market that is visible on clearing.matching.events.v1 to a read_committed reader. This
/// — not a consumer offset — is what says which stored events still need publishing: the book stream is written
/// before the transaction that publishes its events, so after a crash the store may be ahead of the topic, never
/// behind it, and exactly the events above this number are published again.
/// </summary>
/// <remarks>
/// Read after InitTransactions, which fences and aborts the previous instance's open transaction, so its aborted
/// records are invisible on a real cluster. The embedded broker shows aborted records; they then count as published,
/// which is what keeps its topic free of duplicates too. Reads each partition from its start: fine for the embedded
/// broker and short retention; a very long topic would want a backward scan from the end.
/// </remarks>
public static class PublishedSequences
{
    /// <summary>The same Kafka:Properties as every other client (SASL, TLS): a bare admin client cannot reach a secured cluster.</summary>
    public static AdminClientConfig AdminConfig(KafkaConnection connection, KafkaOptions options) => KafkaClientConfigs.Admin(options, connection);

    public static Dictionary<string, long> Read(KafkaConnection connection, KafkaOptions options, IReadOnlyCollection<string> markets,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = markets.ToDictionary(m => m, _ => 0L, StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + timeout;
        var config = KafkaClientConfigs.Consumer(options, connection, $"{options.EffectiveConsumerGroup}-recovery");
        config.Set("group.protocol", "classic");
        // A transactional partition ends with commit markers, which a reader never receives: end-of-partition says "done".
        config.EnablePartitionEof = true;
        using var admin = new AdminClientBuilder(AdminConfig(connection, options)).Build();
        var metadata = admin.GetMetadata(Topics.MatchingEvents, Remaining(deadline));
        var topic = metadata.Topics.SingleOrDefault(t => t.Topic == Topics.MatchingEvents);
        if (topic is null || topic.Error.IsError)
        {
            return result;
        }

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        foreach (var partition in topic.Partitions.Select(p => new TopicPartition(Topics.MatchingEvents, p.PartitionId)))
        {
            var marks = consumer.QueryWatermarkOffsets(partition, Remaining(deadline));
            if (marks.High.Value <= marks.Low.Value)
            {
                continue;
            }
            consumer.Assign(new TopicPartitionOffset(partition, marks.Low));
            var next = marks.Low.Value;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException(
                        $"reading {partition} up to offset {marks.High.Value} to find the published sequences took longer than Matching:RecoveryReadTimeout ({timeout}); at offset {next}");
                }
                var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (record is null)
                {
                    continue;
                }
                if (record.IsPartitionEOF)
                {
                    break;
                }
                next = record.Offset.Value + 1;
                var e = MatchingEvent.Parser.ParseFrom(record.Message.Value ?? []);
                if (result.TryGetValue(e.Market, out var last) && e.Sequence > last)
                {
                    result[e.Market] = e.Sequence;
                }
            }
            consumer.Unassign();
        }
        return result;
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100);
    }
}
