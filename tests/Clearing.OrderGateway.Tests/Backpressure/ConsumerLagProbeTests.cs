using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.OrderGateway.Application;
using Confluent.Kafka;

namespace Clearing.OrderGateway.Tests.Backpressure;

/// <summary>The lag probe against the embedded broker (librdkafka's mock cluster), the broker `clearing up` runs.</summary>
public sealed class ConsumerLagProbeTests : IDisposable
{
    private const string Orders = "probe.orders";
    private const string Fills = "probe.fills";

    private readonly EmbeddedKafkaBroker _broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { BrokerCount = 1, Topics = [] });

    public ConsumerLagProbeTests()
    {
        _broker.CreateTopic(Orders, partitions: 2);
        _broker.CreateTopic(Fills, partitions: 1);
    }

    [Fact]
    public void the_lag_probe_reaches_a_secured_cluster_with_the_same_properties_as_every_other_client()
    {
        var kafka = new KafkaOptions
        {
            BootstrapServers = "kafka-0:9093",
            Properties = { ["security.protocol"] = "SASL_SSL", ["sasl.username"] = "order-gateway" },
        };
        var connection = new KafkaConnection(Microsoft.Extensions.Options.Options.Create(kafka), Microsoft.Extensions.Logging.Abstractions.NullLogger<KafkaConnection>.Instance);

        var config = ConsumerLagMonitor.ProbeConfig(connection, kafka);

        config.Get("security.protocol").ShouldBe("SASL_SSL");
        config.Get("sasl.username").ShouldBe("order-gateway");
        config.BootstrapServers.ShouldBe("kafka-0:9093");
    }

    [Fact]
    public async Task one_admin_client_reads_every_watched_groups_lag_summed_over_partitions_and_leaves_out_groups_that_committed_nothing()
    {
        await ProduceAsync(Orders, partition: 0, count: 3);
        await ProduceAsync(Orders, partition: 1, count: 2);
        await ProduceAsync(Fills, partition: 0, count: 4);
        Commit("behind", (Orders, 0, 1), (Orders, 1, 0));
        Commit("caught-up", (Fills, 0, 4));
        // Nothing committed on partition 1: it counts from the start of the log.
        Commit("partial", (Orders, 0, 3));
        using var probe = Probe(("behind", Orders), ("caught-up", Fills), ("partial", Orders), ("never-committed", Orders), ("no-topic", "probe.missing"));

        var readings = await probe.ReadAsync(CancellationToken.None);

        readings.OrderBy(r => r.Group, StringComparer.Ordinal).ShouldBe(
        [
            new ConsumerLagReading("behind", Orders, 4),
            new ConsumerLagReading("caught-up", Fills, 0),
            new ConsumerLagReading("partial", Orders, 2),
        ]);
    }

    [Fact]
    public async Task a_later_reading_follows_new_messages_and_new_commits()
    {
        Commit("follower", (Fills, 0, 0));
        using var probe = Probe(("follower", Fills));
        (await probe.ReadAsync(CancellationToken.None)).ShouldBe([new ConsumerLagReading("follower", Fills, 0)]);

        await ProduceAsync(Fills, partition: 0, count: 5);
        (await probe.ReadAsync(CancellationToken.None)).ShouldBe([new ConsumerLagReading("follower", Fills, 5)]);

        Commit("follower", (Fills, 0, 3));
        (await probe.ReadAsync(CancellationToken.None)).ShouldBe([new ConsumerLagReading("follower", Fills, 2)]);
    }

    [Fact]
    public async Task a_probe_that_cannot_reach_the_broker_fails_with_a_kafka_error_so_the_monitor_lets_the_reading_go_stale()
    {
        using var probe = new ConsumerLagProbe(new Dictionary<string, string> { ["matching"] = Orders },
            new AdminClientConfig { BootstrapServers = "127.0.0.1:1", SocketConnectionSetupTimeoutMs = 1000 });

        await Should.ThrowAsync<KafkaException>(() => probe.ReadAsync(CancellationToken.None));
    }

    private ConsumerLagProbe Probe(params (string Group, string Topic)[] watched) =>
        new(watched.ToDictionary(w => w.Group, w => w.Topic, StringComparer.Ordinal), new AdminClientConfig { BootstrapServers = _broker.BootstrapServers });

    private async Task ProduceAsync(string topic, int partition, int count)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        for (var i = 0; i < count; i++)
        {
            await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<byte[]?, byte[]?> { Value = [(byte)i] });
        }
    }

    /// <summary>Commits offsets for a group without joining it, as a consumer that read up to there would have.</summary>
    private void Commit(string group, params (string Topic, int Partition, long Offset)[] offsets)
    {
        using var member = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = group }).Build();
        member.Commit(offsets.Select(o => new TopicPartitionOffset(o.Topic, o.Partition, o.Offset)));
    }

    public void Dispose() => _broker.Dispose();
}
