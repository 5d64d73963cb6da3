using System.Collections.Concurrent;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Testing.Kafka;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests;

[Collection(KafkaCollection.Name)]
public sealed class BatchConsumerTests(KafkaFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task a_backlog_reaches_a_batch_handler_in_runs_of_up_to_the_batch_size_in_publish_order_and_is_committed()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("batch-backlog", partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        using var publisher = TestSupport.Publisher(kafka, logs);
        TestSupport.PublishBacklog(publisher, topic, 300);
        var handled = new ConcurrentQueue<int>();
        var runs = new ConcurrentQueue<int>();
        var consumer = BatchConsumer(publisher, logs, topic, group, maxBatch: 64, (messages, _) =>
        {
            runs.Enqueue(messages.Count);
            foreach (var m in messages)
            {
                handled.Enqueue(m.Payload.Number);
            }

            return Task.CompletedTask;
        });
        await consumer.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => handled.Count == 300, "the backlog is handled");
        await consumer.StopAsync(CancellationToken.None);

        handled.ShouldBe(Enumerable.Range(0, 300));
        runs.Max().ShouldBeGreaterThan(1, "a fetched backlog is handed over in runs, not one message at a time");
        runs.Max().ShouldBeLessThanOrEqualTo(64);
        consumer.HandledCount.ShouldBe(300);

        // The runs were committed: a successor in the same group starts after them.
        publisher.Publish(TestSupport.Event(topic, "acct-1", 300, 300));
        publisher.Flush(TestSupport.Patience).ShouldBe(0);
        var after = new ConcurrentQueue<int>();
        var successor = BatchConsumer(publisher, logs, topic, group, maxBatch: 64, (messages, _) =>
        {
            foreach (var m in messages)
            {
                after.Enqueue(m.Payload.Number);
            }

            return Task.CompletedTask;
        });
        await successor.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => !after.IsEmpty, "the successor handles the new message");
        await Task.Delay(300);
        await successor.StopAsync(CancellationToken.None);
        after.ShouldBe([300]);
    }

    [Fact]
    public async Task a_run_holding_a_poison_message_is_split_so_only_the_poison_is_dead_lettered_and_the_rest_are_handled()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("batch-poison", partitions: 1);
        using var publisher = TestSupport.Publisher(kafka, logs);
        for (var n = 0; n < 40; n++)
        {
            publisher.Publish(TestSupport.Event(topic, "acct-1", n, n));
        }

        // A record that does not deserialize, in the middle of the backlog.
        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 40, 40) with { Payload = [0xde, 0xad] });
        for (var n = 41; n < 60; n++)
        {
            publisher.Publish(TestSupport.Event(topic, "acct-1", n, n));
        }

        publisher.Flush(TestSupport.Patience).ShouldBe(0);
        // The handler is idempotent per message, as consumers must be: a split run re-offers messages it applied.
        var applied = new ConcurrentDictionary<int, int>();
        var poisonAttempts = 0;
        var consumer = BatchConsumer(publisher, logs, topic, $"group-{Guid.NewGuid():N}", maxBatch: 100, (messages, _) =>
        {
            if (messages.Any(m => m.Payload.Number == 17))
            {
                Interlocked.Increment(ref poisonAttempts);
                throw new InvalidOperationException("message 17 breaks a rule");
            }

            foreach (var m in messages)
            {
                applied.AddOrUpdate(m.Payload.Number, 1, (_, seen) => seen + 1);
            }

            return Task.CompletedTask;
        });
        await consumer.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => applied.ContainsKey(59), "the messages after both poisons are handled");
        await consumer.StopAsync(CancellationToken.None);

        applied.Keys.Order().ShouldBe(Enumerable.Range(0, 60).Where(n => n is not 17 and not 40));
        consumer.DeadLetteredCount.ShouldBe(2);
        poisonAttempts.ShouldBeGreaterThanOrEqualTo(4, "alone, message 17 gets one attempt plus Kafka:Retry:MaxRetries = 3");
        var dead = TestSupport.DeadLettersFrom(kafka, topic, expected: 2)
            .Select(r => TestSupport.Header(r, KafkaHeaderNames.DeadLetterReason)!)
            .Order(StringComparer.Ordinal)
            .ToList();
        dead[0].ShouldStartWith("deserialization failed:");
        dead[1].ShouldBe("handler failed after 4 attempt(s): message 17 breaks a rule");
    }

    private KafkaConsumerService<TestEvent> BatchConsumer(
        Clearing.Messaging.Kafka.Producing.IKafkaPublisher publisher, ILoggerFactory logs, string topic, string group, int maxBatch, KafkaBatchHandler<TestEvent> handler) =>
        KafkaConsumerService<TestEvent>.ForBatches(
            new KafkaConsumerDefinition<TestEvent> { Name = "batch-consumer", Topics = [topic], Deserializer = TestSupport.Deserializer, GroupId = group, MaxBatchSize = maxBatch },
            handler,
            kafka.Connection(),
            kafka.Options(),
            publisher,
            TimeProvider.System,
            logs);
}
