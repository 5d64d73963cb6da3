using Clearing.Primitives.Inbox;
using System.Text.Json;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Inbox;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Testing.Kafka;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests.Outbox;

/// <summary>The relay against the suite's broker (Testcontainers, KAFKA_BOOTSTRAP or embedded).</summary>
[Collection(KafkaCollection.Name)]
public sealed class OutboxKafkaTests(KafkaFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task relay_publishes_every_public_event_once_in_stream_order_with_its_headers_and_skips_private_ones()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("outbox-publish");
        await using var temp = new TempStore();
        var correlation = Guid.NewGuid();
        await OutboxTestSupport.AppendAsync(temp.Store, 170, correlation: correlation);
        using var publisher = TestSupport.Publisher(kafka, logs, serviceName: "ledger");
        using var watermarks = new KafkaOutboxWatermarks(kafka.Connection(), kafka.Options("ledger"), "publish");
        var relay = new OutboxRelay(temp.Store, new CreditTranslator(topic), publisher, watermarks, OutboxTestSupport.Options("publish"));

        while (!(await relay.PublishNextPageAsync()).CaughtUp)
        {
        }

        var stored = await OutboxTestSupport.ReadAllAsync(temp.Store);
        var expected = stored.Where(OutboxTestSupport.IsPublic).ToList();
        var records = TestSupport.ReadAll(kafka, topic, expected.Count);

        records.Count.ShouldBe(expected.Count, "each public event exactly once, no private one");
        (relay.PublishedCount, relay.PrivateCount, relay.Checkpoint, relay.Lag).ShouldBe((expected.Count, (long)(stored.Count - expected.Count), 170L, 0L));
        var byId = expected.ToDictionary(OutboxMessages.IdOf);
        foreach (var perKey in records.GroupBy(r => OutboxTestSupport.Utf8(r.Message.Key)))
        {
            var sequences = perKey.OrderBy(r => r.Offset.Value).Select(r => CloudEventsEnvelope.Read(r).SourceSequence).ToList();
            sequences.ShouldBe(sequences.Order().ToList(), $"{perKey.Key}'s messages are in stream order");
        }

        foreach (var record in records)
        {
            var m = CloudEventsEnvelope.Read(record);
            var e = byId[m.Id];
            m.Id.ShouldBe($"{e.StreamId}:{e.StreamVersion}");
            (m.SourceStream, m.SourceSequence).ShouldBe((e.StreamId, e.StreamVersion));
            m.Type.ShouldBe(CreditTranslator.PublicType);
            m.Source.ShouldBe("/clearing/ledger");
            m.Time.ShouldBe(e.Timestamp);
            m.CorrelationId.ShouldBe(correlation.ToString());
            m.CausationId.ShouldBe(e.CausationId.ToString());
            m.ContentType.ShouldBe("application/json");
            var credited = (Credited)OutboxTestSupport.Serializer.Deserialize(e);
            m.Key.ShouldBe(credited.Account);
            m.Subject.ShouldBe(credited.Account);
            JsonSerializer.Deserialize<CreditContract>(record.Message.Value).ShouldBe(new CreditContract(credited.Account, credited.Amount));
        }
    }

    [Fact]
    public async Task relay_restarted_after_a_crash_resumes_from_its_checkpoint_losing_nothing_and_the_inbox_drops_the_repeated_page()
    {
        using var logs = TestSupport.Logs(output);
        var topic = await kafka.NewTopicAsync("outbox-crash");
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 150);
        using var publisher = TestSupport.Publisher(kafka, logs);
        using var watermarks = new KafkaOutboxWatermarks(kafka.Connection(), kafka.Options(), "crash");
        var options = OutboxTestSupport.Options("crash", pageSize: 50);

        // The first relay publishes page 1, then "dies" after page 2's acks and before its checkpoint is written.
        var crashing = new OutboxRelay(temp.Store, new CreditTranslator(topic), publisher, watermarks, options,
            checkpoints: new CrashingCheckpoints(temp.Store.Checkpoints, options.CheckpointName, failOnSave: 2));
        await crashing.PublishNextPageAsync();
        await Should.ThrowAsync<IOException>(() => crashing.PublishNextPageAsync());
        (await temp.Store.Checkpoints.LoadAsync(options.CheckpointName)).ShouldBe(50);

        var restarted = new OutboxRelay(temp.Store, new CreditTranslator(topic), publisher, watermarks, options);
        (await restarted.CheckForBrokerWipeAsync()).ShouldBe(OutboxWipeCheck.Intact);
        while (!(await restarted.PublishNextPageAsync()).CaughtUp)
        {
        }

        var expected = (await OutboxTestSupport.ReadAllAsync(temp.Store)).Where(OutboxTestSupport.IsPublic).ToList();
        var secondPage = expected.Count(e => e.GlobalPosition is > 50 and <= 100);
        var records = TestSupport.ReadAll(kafka, topic, expected.Count + secondPage);
        records.Count.ShouldBe(expected.Count + secondPage, "page 2 twice, every other event once");
        records.Select(OutboxTestSupport.Source).Distinct().Order().ShouldBe(expected.Select(e => (e.StreamId, e.StreamVersion)).Order(), "no event is missing");

        // A consumer reading the topic in order applies each event once and skips the repeated page.
        var inbox = InboxPosition.Empty;
        var applied = new List<(string, long)>();
        var skipped = 0;
        foreach (var record in records.OrderBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value))
        {
            var metadata = CloudEventsEnvelope.Read(record);
            if (inbox.ShouldApply(metadata))
            {
                inbox = inbox.Record(metadata);
                applied.Add((metadata.SourceStream, metadata.SourceSequence));
            }
            else
            {
                skipped++;
            }
        }

        skipped.ShouldBe(secondPage);
        applied.Order().ShouldBe(expected.Select(e => (e.StreamId, e.StreamVersion)).Order());
        foreach (var stream in expected.GroupBy(e => e.StreamId))
        {
            applied.Where(a => a.Item1 == stream.Key).Select(a => a.Item2).ShouldBe(stream.Select(e => e.StreamVersion), $"{stream.Key} applied in order");
        }
    }
}
