using System.Collections.Concurrent;
using System.Text.Json;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Producing;
using Clearing.Messaging.Kafka.Transactions;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests;

/// <summary>
/// A consumer that lagged behind the broker's retention must stop at the deleted records, never skip them. The
/// embedded broker (librdkafka's mock) keeps at most 5 MiB per partition, so producing 6 MiB while a consumer is
/// stopped deletes the records it had not read yet — what happened to margin at 3,000 orders/s.
/// </summary>
/// <remarks>
/// Always on a broker of its own, even when the suite runs against a real cluster: that one keeps these few MiB for
/// days, and the deletion under test is the embedded broker's cap.
/// </remarks>
public sealed class ConsumerGapTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int PaddingBytes = 256 * 1024;
    private const int PaddingMessages = 24; // 6 MiB: past the mock's 5 MiB cap on one partition

    private EmbeddedKafkaBroker _broker = null!;

    public Task InitializeAsync()
    {
        _broker = EmbeddedKafkaBroker.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task consumer_whose_committed_offset_was_deleted_stops_with_a_gap_instead_of_skipping()
    {
        using var logs = TestSupport.Logs(output);
        var topic = NewTopic("gap");
        using var publisher = Publisher(logs);
        var group = $"group-{Guid.NewGuid():N}";
        var first = new ConcurrentQueue<int>();
        var before = Consumer(topic, group, publisher, logs, new KafkaConsumerGaps(), first);
        await before.StartAsync(CancellationToken.None);
        for (var n = 1; n <= 3; n++)
        {
            await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", n, n));
        }

        await TestSupport.WaitUntil(() => first.Count == 3, "the first three events are handled");
        await before.StopAsync(CancellationToken.None);
        var committed = CommittedOffset(group, topic);
        committed.ShouldBe(3, "the stopped consumer committed after its three events");

        var logStart = FillPastRetention(topic);
        logStart.ShouldBeGreaterThan(committed, "the broker deleted records the group had not read");
        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 100, 100));

        var gaps = new KafkaConsumerGaps();
        var after = new ConcurrentQueue<int>();
        var restarted = Consumer(topic, group, publisher, logs, gaps, after);
        await restarted.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => gaps.Any, "the restarted consumer reports the gap");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await restarted.StopAsync(CancellationToken.None);

        var gap = gaps.Current.ShouldHaveSingleItem();
        (gap.Topic, gap.Partition, gap.GroupId, gap.WantedOffset).ShouldBe((topic, 0, group, 3L));
        gap.LogStart.ShouldBe(logStart);
        gap.LostOffsets.ShouldBe(logStart - 3);
        gap.Describe().ShouldContain("clearing replay");
        after.ShouldBeEmpty("nothing after the deleted records may be handled");
        restarted.HandledCount.ShouldBe(0);
        restarted.DeadLetteredCount.ShouldBe(0);
        CommittedOffset(group, topic).ShouldBe(3, "the group's position stays at the gap");

        var health = await new KafkaConsumerGapsHealthCheck(gaps).CheckHealthAsync(new HealthCheckContext());
        health.Status.ShouldBe(HealthStatus.Unhealthy);
        health.Description.ShouldNotBeNull().ShouldContain(topic);
    }

    [Fact]
    public async Task new_group_starts_at_the_log_start_of_a_trimmed_topic_without_reporting_a_gap()
    {
        using var logs = TestSupport.Logs(output);
        var topic = NewTopic("gap-new");
        using var publisher = Publisher(logs);
        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 1, 1));
        var logStart = FillPastRetention(topic);
        logStart.ShouldBeGreaterThan(0);
        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 100, 100));

        var gaps = new KafkaConsumerGaps();
        var numbers = new ConcurrentQueue<int>();
        var consumer = Consumer(topic, $"group-{Guid.NewGuid():N}", publisher, logs, gaps, numbers);
        await consumer.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => numbers.Contains(100), "the new group reads to the end");
        await consumer.StopAsync(CancellationToken.None);

        gaps.Any.ShouldBeFalse();
        numbers.ShouldNotContain(1, "the first event was deleted before this group existed");
        var expected = PaddingMessages - (int)(logStart - 1) + 1;
        numbers.Count.ShouldBe(expected, "the group read every surviving padding record from the log start, then the last event");
    }

    [Fact]
    public async Task transactional_processor_whose_committed_offset_was_deleted_stops_with_a_gap()
    {
        using var logs = TestSupport.Logs(output);
        var input = NewTopic("gap-tx-in");
        var outputTopic = NewTopic("gap-tx-out");
        using var publisher = Publisher(logs);
        var group = $"group-{Guid.NewGuid():N}";
        var transformed = new ConcurrentQueue<int>();
        KafkaTransactionalProcessor<TestEvent> Processor(KafkaConsumerGaps gaps) => new(
            new KafkaTransactionalDefinition<TestEvent>
            {
                Name = "test-processor",
                InputTopics = [input],
                Deserializer = TestSupport.Deserializer,
                GroupId = group,
                TransactionalId = $"tests-{Guid.NewGuid():N}",
            },
            (m, _) =>
            {
                transformed.Enqueue(m.Payload.Number);
                return ValueTask.FromResult<IReadOnlyList<OutboundMessage>>([TestSupport.Event(outputTopic, m.Payload.Account, m.Payload.Number, m.Metadata.SourceSequence)]);
            },
            Connection(),
            Options(),
            TimeProvider.System,
            logs,
            gaps);

        var first = Processor(new KafkaConsumerGaps());
        await first.StartAsync(CancellationToken.None);
        for (var n = 1; n <= 3; n++)
        {
            await publisher.PublishAsync(TestSupport.Event(input, "acct-1", n, n));
        }

        await TestSupport.WaitUntil(() => first.ProcessedCount == 3, "the first three inputs commit");
        await first.StopAsync(CancellationToken.None);
        var committed = CommittedOffset(group, input);
        committed.ShouldBe(3);

        FillPastRetention(input).ShouldBeGreaterThan(committed);
        await publisher.PublishAsync(TestSupport.Event(input, "acct-1", 100, 100));
        transformed.Clear();

        var gaps = new KafkaConsumerGaps();
        var second = Processor(gaps);
        await second.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => gaps.Any, "the restarted processor reports the gap");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await second.StopAsync(CancellationToken.None);

        gaps.Current.ShouldHaveSingleItem().WantedOffset.ShouldBe(3);
        transformed.ShouldBeEmpty();
        second.ProcessedCount.ShouldBe(0);
        CommittedOffset(group, input).ShouldBe(3);
    }

    private KafkaConnection Connection() => KafkaConnection.ForBootstrap(_broker.BootstrapServers, KafkaBrokerMode.EmbeddedInProcess);

    private KafkaOptions Options() => new()
    {
        BootstrapServers = _broker.BootstrapServers,
        ServiceName = "tests",
        MirrorTransactionalOffsets = true,
        CommitInterval = TimeSpan.FromMilliseconds(50),
        Retry = new KafkaRetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
    };

    private KafkaPublisher Publisher(ILoggerFactory logs) =>
        new(Connection(), Microsoft.Extensions.Options.Options.Create(Options()), TimeProvider.System, logs.CreateLogger<KafkaPublisher>());

    private string NewTopic(string prefix)
    {
        var topic = $"test.{prefix}.{Guid.NewGuid():N}";
        _broker.CreateTopic(topic, partitions: 1);
        return topic;
    }

    private KafkaConsumerService<TestEvent> Consumer(string topic, string group, IKafkaPublisher publisher, ILoggerFactory logs, KafkaConsumerGaps gaps, ConcurrentQueue<int> handled) => new(
        new KafkaConsumerDefinition<TestEvent> { Name = "test-consumer", Topics = [topic], Deserializer = TestSupport.Deserializer, GroupId = group },
        (m, _) =>
        {
            handled.Enqueue(m.Payload.Number);
            return Task.CompletedTask;
        },
        Connection(),
        Options(),
        publisher,
        TimeProvider.System,
        logs,
        gaps);

    /// <summary>Produces 6 MiB of uncompressed padding to partition 0; returns the log start afterwards.</summary>
    private long FillPastRetention(string topic)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            CompressionType = CompressionType.None,
            LingerMs = 0,
        }).Build();
        var padding = new string('p', PaddingBytes);
        for (var n = 0; n < PaddingMessages; n++)
        {
            var message = TestSupport.Event(topic, "padding", 1000 + n, 1000 + n) with
            {
                Payload = JsonSerializer.SerializeToUtf8Bytes(new { Account = "padding", Number = 1000 + n, Padding = padding }),
            };
            producer.Produce(new TopicPartition(topic, 0), CloudEventsEnvelope.ToKafkaMessage(message, "/clearing/tests", DateTimeOffset.UtcNow));
        }

        producer.Flush(TestSupport.Patience).ShouldBe(0);
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = $"marks-{Guid.NewGuid():N}" }).Build();
        return reader.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).Low.Value;
    }

    private long CommittedOffset(string group, string topic)
    {
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = group }).Build();
        return reader.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value;
    }
}
