using System.Collections.Concurrent;
using System.Text;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Testing.Kafka;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests;

[Collection(KafkaCollection.Name)]
public sealed class ConsumerTests(KafkaFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task published_message_arrives_with_cloudevents_headers_and_its_source_coordinates()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("roundtrip");
        using var publisher = TestSupport.Publisher(kafka, logs, serviceName: "margin");
        var received = new ConcurrentQueue<KafkaInboundMessage<TestEvent>>();
        var consumer = TestSupport.Consumer(kafka, publisher, logs, topic, (m, _) =>
        {
            received.Enqueue(m);
            return Task.CompletedTask;
        });
        await consumer.StartAsync(CancellationToken.None);

        var time = new DateTimeOffset(2026, 3, 1, 12, 30, 15, TimeSpan.Zero);
        var sent = TestSupport.Event(topic, "acct-7", number: 42, sequence: 17, correlationId: "corr-1") with { CausationId = "cause-1", Time = time };
        var delivery = await publisher.PublishAsync(sent);
        await TestSupport.WaitUntil(() => !received.IsEmpty, "the message is handled");
        await consumer.StopAsync(CancellationToken.None);

        var message = received.Single();
        message.Payload.ShouldBe(new TestEvent("acct-7", 42));
        var m = message.Metadata;
        m.Key.ShouldBe("acct-7");
        m.Subject.ShouldBe("acct-7");
        m.Type.ShouldBe("clearing.test.event.v1");
        m.Source.ShouldBe("/clearing/margin");
        m.Id.ShouldBe("account-acct-7:17");
        m.Time.ShouldBe(time);
        m.SourceStream.ShouldBe("account-acct-7");
        m.SourceSequence.ShouldBe(17);
        m.CorrelationId.ShouldBe("corr-1");
        m.CausationId.ShouldBe("cause-1");
        m.ContentType.ShouldBe("application/json");
        (m.Topic, m.Partition, m.Offset).ShouldBe((topic, delivery.Partition.Value, delivery.Offset.Value));

        var raw = TestSupport.ReadAll(kafka, topic, expected: 1).Single();
        TestSupport.Header(raw, "ce_specversion").ShouldBe("1.0");
        TestSupport.Header(raw, "ce_time").ShouldBe("2026-03-01T12:30:15.0000000Z");
        TestSupport.Header(raw, "clearing-source-seq").ShouldBe("17");
        Encoding.UTF8.GetString(raw.Message.Key!).ShouldBe("acct-7");
    }

    [Fact]
    public async Task two_consumers_of_one_service_on_different_topics_each_get_their_own_group_and_both_receive()
    {
        using var logs = TestSupport.Logs(output);
        var fills = await kafka.NewTopicAsync("svc-fills");
        var prices = await kafka.NewTopicAsync("svc-prices");
        using var publisher = TestSupport.Publisher(kafka, logs, serviceName: "margin");
        var service = $"svc{Guid.NewGuid():N}"[..12];
        var received = new ConcurrentDictionary<string, int>();
        KafkaConsumerService<TestEvent> Consumer(string name, string topic) => new(
            new KafkaConsumerDefinition<TestEvent> { Name = name, Topics = [topic], Deserializer = TestSupport.Deserializer },
            (m, _) =>
            {
                received.AddOrUpdate(name, 1, (_, n) => n + 1);
                return Task.CompletedTask;
            },
            kafka.Connection(), kafka.Options(service), publisher, TimeProvider.System, logs);
        var first = Consumer($"{service}-fills", fills);
        var second = Consumer("prices", prices);
        await first.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);

        await publisher.PublishAsync(TestSupport.Event(fills, "acct-1", 1, 1));
        await publisher.PublishAsync(TestSupport.Event(prices, "BTC", 2, 1));
        await TestSupport.WaitUntil(() => received.Count == 2, "both consumers handle their message");
        await first.StopAsync(CancellationToken.None);
        await second.StopAsync(CancellationToken.None);

        first.GroupId.ShouldBe($"{service}-fills");
        second.GroupId.ShouldBe($"{service}-prices");
    }

    [Fact]
    public async Task messages_of_one_key_are_handled_in_publish_order_while_keys_spread_over_partitions()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("order", partitions: 4);
        using var publisher = TestSupport.Publisher(kafka, logs);
        var seen = new ConcurrentDictionary<string, ConcurrentQueue<int>>();
        var partitionsByKey = new ConcurrentDictionary<string, int>();
        var consumer = TestSupport.Consumer(kafka, publisher, logs, topic, (m, _) =>
        {
            seen.GetOrAdd(m.Payload.Account, _ => new ConcurrentQueue<int>()).Enqueue(m.Payload.Number);
            partitionsByKey[m.Metadata.Key] = m.Metadata.Partition;
            return Task.CompletedTask;
        });
        await consumer.StartAsync(CancellationToken.None);

        var accounts = Enumerable.Range(0, 12).Select(i => $"acct-{i}").ToArray();
        const int perAccount = 50;
        for (var n = 0; n < perAccount; n++)
        {
            foreach (var account in accounts)
            {
                publisher.Publish(TestSupport.Event(topic, account, n, sequence: n));
            }
        }

        publisher.Flush(TestSupport.Patience).ShouldBe(0);
        await TestSupport.WaitUntil(() => seen.Values.Sum(q => q.Count) == accounts.Length * perAccount, "every message is handled");
        await consumer.StopAsync(CancellationToken.None);

        foreach (var account in accounts)
        {
            seen[account].ShouldBe(Enumerable.Range(0, perAccount), $"{account} out of order");
        }

        partitionsByKey.Values.Distinct().Count().ShouldBeGreaterThan(1, "keys should spread over partitions");
    }

    [Fact]
    public async Task malformed_messages_land_in_the_dlq_with_their_reason_and_coordinates_while_later_messages_are_handled()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("poison", partitions: 1);
        using var publisher = TestSupport.Publisher(kafka, logs);
        var handled = new ConcurrentQueue<int>();
        var consumer = TestSupport.Consumer(kafka, publisher, logs, topic, (m, _) =>
        {
            handled.Enqueue(m.Payload.Number);
            return Task.CompletedTask;
        });

        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 1, 1));
        // A correct envelope around a payload that is not JSON, then a record with no envelope at all.
        var badPayload = await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 2, 2) with { Payload = [0xde, 0xad, 0xbe, 0xef] });
        var noEnvelope = await publisher.PublishRawAsync(topic, new Message<byte[]?, byte[]?> { Key = "acct-1"u8.ToArray(), Value = "{}"u8.ToArray() });
        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 3, 3));
        await consumer.StartAsync(CancellationToken.None);

        await TestSupport.WaitUntil(() => handled.Count == 2, "the good messages around the poison are handled");
        await consumer.StopAsync(CancellationToken.None);
        handled.ShouldBe([1, 3]);
        consumer.DeadLetteredCount.ShouldBe(2);

        var dead = TestSupport.DeadLettersFrom(kafka, topic, expected: 2)
            .OrderBy(r => long.Parse(TestSupport.Header(r, KafkaHeaderNames.DeadLetterOriginalOffset)!))
            .ToList();
        dead.Count.ShouldBe(2);

        var first = dead[0];
        TestSupport.Header(first, KafkaHeaderNames.DeadLetterReason)!.ShouldStartWith("deserialization failed:");
        TestSupport.Header(first, KafkaHeaderNames.DeadLetterExceptionType).ShouldBe("System.Text.Json.JsonException");
        TestSupport.Header(first, KafkaHeaderNames.DeadLetterOriginalPartition).ShouldBe(badPayload.Partition.Value.ToString());
        TestSupport.Header(first, KafkaHeaderNames.DeadLetterOriginalOffset).ShouldBe(badPayload.Offset.Value.ToString());
        TestSupport.Header(first, KafkaHeaderNames.DeadLetterOriginalKey).ShouldBe("acct-1");
        TestSupport.Header(first, KafkaHeaderNames.DeadLetterConsumerGroup).ShouldBe(consumer.GroupId);
        TestSupport.Header(first, KafkaHeaderNames.SourceSequence).ShouldBe("2", "the original headers travel with the dead letter");
        first.Message.Value.ShouldBe(new byte[] { 0xde, 0xad, 0xbe, 0xef });
        Encoding.UTF8.GetString(first.Message.Key!).ShouldBe("acct-1");

        var second = dead[1];
        TestSupport.Header(second, KafkaHeaderNames.DeadLetterReason).ShouldBe("deserialization failed: header ce_specversion is missing");
        TestSupport.Header(second, KafkaHeaderNames.DeadLetterExceptionType).ShouldBe(typeof(MalformedKafkaMessageException).FullName);
        TestSupport.Header(second, KafkaHeaderNames.DeadLetterOriginalOffset).ShouldBe(noEnvelope.Offset.Value.ToString());
    }

    [Fact]
    public async Task handler_that_fails_transiently_is_retried_and_succeeds_without_a_dead_letter()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("transient", partitions: 1);
        using var publisher = TestSupport.Publisher(kafka, logs);
        var attempts = 0;
        var handled = new ConcurrentQueue<int>();
        var consumer = TestSupport.Consumer(kafka, publisher, logs, topic, (m, _) =>
        {
            if (m.Payload.Number == 1 && Interlocked.Increment(ref attempts) <= 2)
            {
                throw new TimeoutException("the store is briefly unavailable");
            }

            handled.Enqueue(m.Payload.Number);
            return Task.CompletedTask;
        });
        await consumer.StartAsync(CancellationToken.None);

        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 1, 1));
        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 2, 2));
        await TestSupport.WaitUntil(() => handled.Count == 2, "both messages are handled");
        await consumer.StopAsync(CancellationToken.None);

        handled.ShouldBe([1, 2]);
        attempts.ShouldBe(3);
        consumer.DeadLetteredCount.ShouldBe(0);
        consumer.HandledCount.ShouldBe(2);
    }

    [Fact]
    public async Task handler_that_always_fails_is_dead_lettered_after_its_retries_and_the_partition_moves_on()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("always-fails", partitions: 1);
        using var publisher = TestSupport.Publisher(kafka, logs);
        var attempts = 0;
        var handled = new ConcurrentQueue<int>();
        var consumer = TestSupport.Consumer(kafka, publisher, logs, topic, (m, _) =>
        {
            if (m.Payload.Number == 1)
            {
                Interlocked.Increment(ref attempts);
                throw new InvalidOperationException("position limit table is corrupt");
            }

            handled.Enqueue(m.Payload.Number);
            return Task.CompletedTask;
        });
        await consumer.StartAsync(CancellationToken.None);

        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 1, 1));
        await publisher.PublishAsync(TestSupport.Event(topic, "acct-1", 2, 2));
        await TestSupport.WaitUntil(() => handled.Count == 1, "the message after the poison is handled");
        await consumer.StopAsync(CancellationToken.None);

        attempts.ShouldBe(4, "one attempt plus Kafka:Retry:MaxRetries = 3");
        var dead = TestSupport.DeadLettersFrom(kafka, topic, expected: 1).ShouldHaveSingleItem();
        TestSupport.Header(dead, KafkaHeaderNames.DeadLetterReason).ShouldBe("handler failed after 4 attempt(s): position limit table is corrupt");
        TestSupport.Header(dead, KafkaHeaderNames.DeadLetterExceptionType).ShouldBe("System.InvalidOperationException");
        TestSupport.Header(dead, KafkaHeaderNames.DeadLetterAttempts).ShouldBe("4");
    }

    [Fact]
    public async Task stopped_consumer_commits_what_it_handled_and_its_successor_resumes_after_it()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("resume", partitions: 2);
        var group = $"group-{Guid.NewGuid():N}";
        using var publisher = TestSupport.Publisher(kafka, logs);
        for (var n = 0; n < 10; n++)
        {
            publisher.Publish(TestSupport.Event(topic, $"acct-{n % 3}", n, n));
        }

        publisher.Flush(TestSupport.Patience).ShouldBe(0);

        var firstRun = new ConcurrentQueue<int>();
        var first = TestSupport.Consumer(kafka, publisher, logs, topic, (m, _) => { firstRun.Enqueue(m.Payload.Number); return Task.CompletedTask; }, group);
        await first.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => firstRun.Count == 10, "the first consumer handles the backlog");
        await first.StopAsync(CancellationToken.None);

        for (var n = 10; n < 15; n++)
        {
            publisher.Publish(TestSupport.Event(topic, $"acct-{n % 3}", n, n));
        }

        publisher.Flush(TestSupport.Patience).ShouldBe(0);
        var secondRun = new ConcurrentQueue<int>();
        var second = TestSupport.Consumer(kafka, publisher, logs, topic, (m, _) => { secondRun.Enqueue(m.Payload.Number); return Task.CompletedTask; }, group);
        await second.StartAsync(CancellationToken.None);
        await TestSupport.WaitUntil(() => secondRun.Count >= 5, "the second consumer handles the new messages");
        await Task.Delay(500);
        await second.StopAsync(CancellationToken.None);

        secondRun.Order().ShouldBe(Enumerable.Range(10, 5));
    }
}
