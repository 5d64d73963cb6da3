using System.Collections.Concurrent;
using System.Text;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Testing.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests;

public sealed class KafkaTypeFilterTests
{
    private static Headers Typed(string type) => new() { { KafkaHeaderNames.Type, Encoding.UTF8.GetBytes(type) } };

    [Fact]
    public void only_skips_every_type_it_does_not_name()
    {
        var filter = KafkaTypeFilter.Only("clearing.a.v1", "clearing.b.v1");

        filter.Skips(Typed("clearing.a.v1")).ShouldBeFalse();
        filter.Skips(Typed("clearing.b.v1")).ShouldBeFalse();
        filter.Skips(Typed("clearing.c.v1")).ShouldBeTrue();
        filter.Skips(Typed("clearing.a.v2")).ShouldBeTrue("a type is matched whole, not by prefix");
    }

    [Fact]
    public void except_skips_only_the_types_it_names_and_passes_unknown_ones()
    {
        var filter = KafkaTypeFilter.Except("clearing.a.v1");

        filter.Skips(Typed("clearing.a.v1")).ShouldBeTrue();
        filter.Skips(Typed("clearing.unknown.v1")).ShouldBeFalse();
    }

    [Fact]
    public void a_message_without_a_type_header_is_never_skipped_so_the_envelope_check_can_dead_letter_it()
    {
        KafkaTypeFilter.Only("clearing.a.v1").Skips(new Headers()).ShouldBeFalse();
        KafkaTypeFilter.Only("clearing.a.v1").Skips((Headers?)null).ShouldBeFalse();
        KafkaTypeFilter.Except("clearing.a.v1").Skips(new Headers()).ShouldBeFalse();
    }

    [Fact]
    public void the_last_type_header_decides_as_it_does_for_the_envelope()
    {
        var headers = Typed("clearing.b.v1");
        headers.Add(KafkaHeaderNames.Type, Encoding.UTF8.GetBytes("clearing.a.v1"));

        KafkaTypeFilter.Only("clearing.a.v1").Skips(headers).ShouldBeFalse();
    }

    [Fact]
    public void a_filter_without_types_or_with_an_empty_one_is_refused_with_a_reason()
    {
        Should.Throw<ArgumentException>(() => KafkaTypeFilter.Only()).Message.ShouldContain("at least one type");
        Should.Throw<ArgumentException>(() => KafkaTypeFilter.Except("clearing.a.v1", " ")).Message.ShouldContain("no empty type names");
    }

    [Fact]
    public void a_filter_describes_itself_for_the_start_up_log()
    {
        KafkaTypeFilter.Only("clearing.b.v1", "clearing.a.v1").ToString().ShouldBe("only clearing.a.v1, clearing.b.v1");
        KafkaTypeFilter.Except("clearing.a.v1").ToString().ShouldBe("all but clearing.a.v1");
    }
}

[Collection(KafkaCollection.Name)]
public sealed class TypeFilteredConsumerTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private const string Wanted = "clearing.test.wanted.v1";
    private const string Other = "clearing.test.other.v1";

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public async Task a_consumer_with_a_type_filter_hands_over_only_its_types_in_order_and_commits_past_the_rest(int maxBatch)
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync($"typed-{maxBatch}", partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        using var publisher = TestSupport.Publisher(kafka, logs);
        for (var n = 0; n < 200; n++)
        {
            // Every third message is one the consumer acts on; the others carry a payload it could not even parse.
            var wanted = n % 3 == 0;
            publisher.Publish(wanted
                ? TestSupport.Event(topic, "acct-1", n, n) with { Type = Wanted }
                : TestSupport.Event(topic, "acct-1", n, n) with { Type = Other, Payload = [0xde, 0xad] });
        }

        publisher.Flush(TestSupport.Patience).ShouldBe(0);
        var handled = new ConcurrentQueue<int>();
        var consumer = Consumer(publisher, logs, topic, group, maxBatch, handled);
        await consumer.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => consumer.HandledCount + consumer.SkippedCount == 200, "every message is handled or skipped");
        await consumer.StopAsync(CancellationToken.None);

        handled.ShouldBe(Enumerable.Range(0, 200).Where(n => n % 3 == 0));
        consumer.HandledCount.ShouldBe(67);
        consumer.SkippedCount.ShouldBe(133);
        consumer.DeadLetteredCount.ShouldBe(0, "skipped payloads are never parsed");

        // The skipped tail was committed too: a successor in the group starts after it.
        publisher.Publish(TestSupport.Event(topic, "acct-1", 200, 200) with { Type = Wanted });
        publisher.Flush(TestSupport.Patience).ShouldBe(0);
        var after = new ConcurrentQueue<int>();
        var successor = Consumer(publisher, logs, topic, group, maxBatch, after);
        await successor.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => !after.IsEmpty, "the successor handles the new message");
        await Task.Delay(300);
        await successor.StopAsync(CancellationToken.None);
        after.ShouldBe([200]);
        successor.SkippedCount.ShouldBe(0);
    }

    [Fact]
    public async Task a_message_without_a_type_header_still_reaches_the_envelope_check_and_is_dead_lettered()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("typed-untyped", partitions: 1);
        using var publisher = TestSupport.Publisher(kafka, logs);
        using (var raw = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            await raw.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = "acct-1"u8.ToArray(), Value = "{}"u8.ToArray(), Headers = [] });
        }

        publisher.Publish(TestSupport.Event(topic, "acct-1", 1, 1) with { Type = Wanted });
        publisher.Flush(TestSupport.Patience).ShouldBe(0);
        var handled = new ConcurrentQueue<int>();
        var consumer = Consumer(publisher, logs, topic, $"group-{Guid.NewGuid():N}", maxBatch: 1, handled);
        await consumer.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => !handled.IsEmpty, "the typed message is handled");
        await consumer.StopAsync(CancellationToken.None);

        consumer.DeadLetteredCount.ShouldBe(1);
        consumer.SkippedCount.ShouldBe(0);
        handled.ShouldBe([1]);
    }

    [Fact]
    public async Task the_consume_loop_runs_on_a_thread_of_its_own_not_on_a_pool_worker()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("typed-thread", partitions: 1);
        using var publisher = TestSupport.Publisher(kafka, logs);
        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 1, 1));
        var seen = new TaskCompletionSource<(bool Pool, string? Name)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = TestSupport.Consumer(kafka, publisher, logs, topic, (_, _) =>
        {
            // The handler's synchronous start runs on the thread that called it: the loop's.
            seen.TrySetResult((Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
            return Task.CompletedTask;
        });
        await consumer.StartAsync(CancellationToken.None);
        var (pool, name) = await seen.Task.WaitAsync(TestSupport.Patience);
        await consumer.StopAsync(CancellationToken.None);

        pool.ShouldBeFalse("a blocking Consume on a pool worker starves the service's handlers");
        name.ShouldBe("kafka test-consumer");
    }

    private KafkaConsumerService<TestEvent> Consumer(
        Clearing.Messaging.Kafka.Producing.IKafkaPublisher publisher, ILoggerFactory logs, string topic, string group, int maxBatch, ConcurrentQueue<int> handled) =>
        KafkaConsumerService<TestEvent>.ForBatches(
            new KafkaConsumerDefinition<TestEvent>
            {
                Name = "typed-consumer", Topics = [topic], Deserializer = TestSupport.Deserializer, GroupId = group, MaxBatchSize = maxBatch,
                Types = KafkaTypeFilter.Only(Wanted),
            },
            (messages, _) =>
            {
                foreach (var m in messages)
                {
                    handled.Enqueue(m.Payload.Number);
                }

                return Task.CompletedTask;
            },
            kafka.Connection(),
            kafka.Options(),
            publisher,
            TimeProvider.System,
            logs);
}
