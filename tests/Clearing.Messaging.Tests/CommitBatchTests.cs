using System.Collections.Concurrent;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Testing.Kafka;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests;

[Collection(KafkaCollection.Name)]
public sealed class CommitBatchTests(KafkaFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task a_consumer_commits_each_time_commit_batch_size_messages_wait_and_the_rest_when_it_stops()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("commit-batch", partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        using var publisher = TestSupport.Publisher(kafka, logs);
        TestSupport.PublishBacklog(publisher, topic, 25);
        // The interval never comes due here: only the message count can commit before the stop.
        var options = kafka.Options();
        options.CommitInterval = TimeSpan.FromHours(1);
        options.CommitBatchSize = 10;
        var handled = new ConcurrentQueue<int>();
        var consumer = new KafkaConsumerService<TestEvent>(
            new KafkaConsumerDefinition<TestEvent> { Name = "commit-batch", Topics = [topic], Deserializer = TestSupport.Deserializer, GroupId = group },
            (m, _) =>
            {
                handled.Enqueue(m.Payload.Number);
                return Task.CompletedTask;
            },
            kafka.Connection(),
            options,
            publisher,
            TimeProvider.System,
            logs);
        await consumer.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => handled.Count == 25, "every message is handled");
        await TestSupport.WaitUntil(() => CommittedOffset(group, topic) == 20, "the second full batch of 10 is committed");
        await Task.Delay(300);

        CommittedOffset(group, topic).ShouldBe(20, "five handled messages are fewer than a batch and wait for the interval or the stop");
        await consumer.StopAsync(CancellationToken.None);
        CommittedOffset(group, topic).ShouldBe(25);
    }

    private long CommittedOffset(string group, string topic)
    {
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = group }).Build();
        return reader.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value;
    }
}
