using Clearing.Contracts;
using Clearing.Contracts.Orders.V1;
using Clearing.Matching.Application;
using Clearing.Messaging.Kafka;
using Confluent.Kafka;

namespace Clearing.Matching.Tests.Host;

/// <summary>
/// How matching's Kafka clients are set up for latency, and that the offsets it keeps outside its transactions still
/// reach the broker: the real host against an embedded broker.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class MatchingKafkaClientTests
{
    private const int Partitions = 4;

    private static readonly KafkaConnection Embedded = KafkaConnection.ForBootstrap("127.0.0.1:9", KafkaBrokerMode.EmbeddedFile);

    [Fact]
    public void the_event_producer_has_no_poll_thread_to_race_the_commit_flush_and_no_linger()
    {
        var config = MatchingProcessor.ProducerConfig(new KafkaOptions { ServiceName = "matching", LingerMs = 5 }, Embedded, "matching-0");

        config.TransactionalId.ShouldBe("matching-0");
        config.EnableIdempotence.ShouldBe(true);
        config.EnableBackgroundPoll.ShouldBe(false);
        config.LingerMs.ShouldBe(0);
        config.DeliveryReportFields.ShouldBe("none");
        config.CompressionType.ShouldBe(CompressionType.Lz4);
    }

    [Fact]
    public void the_input_consumer_reads_committed_records_and_commits_only_the_offsets_the_loop_stored()
    {
        var config = MatchingProcessor.ConsumerConfig(new KafkaOptions { ServiceName = "matching" }, Embedded, "matching");

        config.IsolationLevel.ShouldBe(IsolationLevel.ReadCommitted);
        config.EnableAutoOffsetStore.ShouldBe(false, "an offset is kept only after its batch is stored and its transaction committed");
        config.EnableAutoCommit.ShouldBe(true);
        config.AutoCommitIntervalMs.ShouldBe(MatchingProcessor.OffsetCommitIntervalMs);
        config.FetchWaitMaxMs.ShouldBe(MatchingProcessor.InputFetchWaitMs);
        config.AutoOffsetReset.ShouldBe(AutoOffsetReset.Error, "the offset gap guard stops at deleted records");
    }

    [Fact]
    public void a_configured_fetch_wait_overrides_the_input_consumers_own()
    {
        var config = MatchingProcessor.ConsumerConfig(new KafkaOptions { ServiceName = "matching", FetchWaitMaxMs = 50 }, Embedded, "matching");

        config.FetchWaitMaxMs.ShouldBe(50);
    }

    [Fact]
    public async Task offsets_of_handled_commands_are_committed_in_the_background_and_a_restart_reads_on_from_them()
    {
        await using var bed = ProcessBed.Start("clearing-matching-offsets", Partitions);
        var broker = bed.Broker;
        using var reader = new KafkaTraffic.EventReader(broker.BootstrapServers, Partitions);
        using var producer = KafkaTraffic.Producer(broker.BootstrapServers);
        var commands = HostFlow.Generate(seed: 5, count: 400, withPrices: false).Orders().ToList();
        var expected = HostReplayTests.Run(HostOrders.Pipeline(), commands).Count;
        // One more command, sent after the first process is killed: the restarted process reads on from the committed
        // offsets, skips nothing it should answer and answers nothing twice.
        var extra = HostOrders.Limit("BTC-PERP", "acct-9", "after-restart", Side.Buy, "1000", "0.1", time: commands[^1].TimeUnixNanos + 1, commandId: "after-restart");
        var expectedAfter = HostReplayTests.Run(HostOrders.Pipeline(), commands.Append(extra)).Count;

        using (var first = MatchingProcess.Start(bed.Directory, bed.BootstrapFile))
        {
            foreach (var command in commands)
            {
                KafkaTraffic.Produce(producer, command);
            }
            producer.Flush(TimeSpan.FromSeconds(10));
            await reader.WaitForAsync(events => events.Count >= expected, TimeSpan.FromSeconds(90), () => $"{reader.Count} of {expected}; {first.Tail}");

            // Nothing is committed inside the transactions any more: the consumer's background commit must get there.
            var committed = await WaitForCommittedAsync(broker.BootstrapServers, TimeSpan.FromSeconds(20));
            Describe(committed).ShouldBe(Describe(HighWatermarks(broker.BootstrapServers)), first.Tail);
            first.KillHard();
        }

        KafkaTraffic.Produce(producer, extra);
        producer.Flush(TimeSpan.FromSeconds(10));
        using var second = MatchingProcess.Start(bed.Directory, bed.BootstrapFile);
        await reader.WaitForAsync(events => events.Any(e => e.Event.CommandId == extra.CommandId), TimeSpan.FromSeconds(90), () => second.Tail);
        await Task.Delay(1_000);

        reader.Count.ShouldBe(expectedAfter, second.Tail);
        foreach (var market in reader.Events.Select(e => e.Event.Market).Distinct())
        {
            var sequences = reader.Events.Where(e => e.Event.Market == market).Select(e => e.Event.Sequence).ToList();
            sequences.ShouldBe(Enumerable.Range(1, sequences.Count).Select(i => (long)i), market);
        }
        Describe(await WaitForCommittedAsync(broker.BootstrapServers, TimeSpan.FromSeconds(20))).ShouldBe(Describe(HighWatermarks(broker.BootstrapServers)), second.Tail);
    }

    private static string Describe(Dictionary<int, long> offsets) => string.Join(", ", offsets.OrderBy(o => o.Key).Select(o => $"[{o.Key}]@{o.Value}"));

    private static List<TopicPartition> CommandPartitions() =>
        Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topics.OrderCommands, p)).ToList();

    private static Dictionary<int, long> HighWatermarks(string bootstrap)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "watermarks" }).Build();
        return CommandPartitions().ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>Matching's committed offsets of the command topic once they stop moving and match the log's end (or at the deadline).</summary>
    private static async Task<Dictionary<int, long>> WaitForCommittedAsync(string bootstrap, TimeSpan timeout)
    {
        var high = HighWatermarks(bootstrap);
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "matching", EnableAutoCommit = false }).Build();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var committed = consumer.Committed(CommandPartitions(), TimeSpan.FromSeconds(10))
                .ToDictionary(o => o.Partition.Value, o => o.Offset.Value < 0 ? 0 : o.Offset.Value);
            if (committed.OrderBy(c => c.Key).SequenceEqual(high.OrderBy(h => h.Key)) || DateTime.UtcNow > deadline)
            {
                return committed;
            }
            await Task.Delay(100);
        }
    }
}
