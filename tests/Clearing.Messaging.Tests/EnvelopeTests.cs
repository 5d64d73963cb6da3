using System.Text;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Confluent.Kafka;

namespace Clearing.Messaging.Tests;

public sealed class EnvelopeTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void envelope_written_by_the_producer_reads_back_with_every_attribute()
    {
        var message = CloudEventsEnvelope.ToKafkaMessage(TestSupport.Event("t", "BTC-PERP", 1, 99, "corr") with { CausationId = "cause" }, "/clearing/matching", Now);

        var metadata = CloudEventsEnvelope.Read(Record(message));

        metadata.ShouldBe(new KafkaMessageMetadata
        {
            Topic = "t",
            Partition = 2,
            Offset = 7,
            Key = "BTC-PERP",
            Id = "account-BTC-PERP:99",
            Type = "clearing.test.event.v1",
            Source = "/clearing/matching",
            Subject = "BTC-PERP",
            Time = Now,
            SourceStream = "account-BTC-PERP",
            SourceSequence = 99,
            ContentType = "application/json",
            CorrelationId = "corr",
            CausationId = "cause",
        });
    }

    [Theory]
    [InlineData(KafkaHeaderNames.Type, "header ce_type is missing")]
    [InlineData(KafkaHeaderNames.SourceStream, "header clearing-source-stream is missing")]
    [InlineData(KafkaHeaderNames.SourceSequence, "header clearing-source-seq is missing")]
    public void a_message_without_a_required_header_is_malformed(string header, string reason)
    {
        var message = CloudEventsEnvelope.ToKafkaMessage(TestSupport.Event("t", "a", 1, 1), "/clearing/x", Now);
        message.Headers.Remove(header);

        Should.Throw<MalformedKafkaMessageException>(() => CloudEventsEnvelope.Read(Record(message))).Message.ShouldBe(reason);
    }

    [Theory]
    [InlineData("-3")]
    [InlineData("+3")]
    [InlineData("3a")]
    [InlineData(" 3")]
    [InlineData("99999999999999999999")]
    public void a_negative_or_non_numeric_source_sequence_is_malformed(string sequence)
    {
        var message = With(KafkaHeaderNames.SourceSequence, sequence);

        Should.Throw<MalformedKafkaMessageException>(() => CloudEventsEnvelope.Read(Record(message)))
            .Message.ShouldBe($"header clearing-source-seq '{sequence}' is not a non-negative integer");
    }

    [Theory]
    [InlineData("2026-01-02T03:04:05.1234567Z", "2026-01-02T03:04:05.1234567+00:00")]
    [InlineData("2026-01-02T04:04:05+01:00", "2026-01-02T03:04:05.0000000+00:00")]
    [InlineData("2026-01-02T03:04:05.5Z", "2026-01-02T03:04:05.5000000+00:00")]
    [InlineData("2026-01-02T03:04:05.1234567+02:00", "2026-01-02T01:04:05.1234567+00:00")]
    public void a_time_in_our_form_or_any_other_rfc_3339_form_reads_as_the_same_instant(string header, string instant)
    {
        var metadata = CloudEventsEnvelope.Read(Record(With(KafkaHeaderNames.Time, header)));

        metadata.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture).ShouldBe(instant);
        metadata.Time.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Theory]
    [InlineData(KafkaHeaderNames.Time, "yesterday", "header ce_time 'yesterday' is not an RFC 3339 time")]
    [InlineData(KafkaHeaderNames.SpecVersion, "0.3", "header ce_specversion is '0.3', expected '1.0'")]
    public void an_unreadable_time_or_another_spec_version_is_malformed(string header, string value, string reason)
    {
        Should.Throw<MalformedKafkaMessageException>(() => CloudEventsEnvelope.Read(Record(With(header, value)))).Message.ShouldBe(reason);
    }

    private static Message<byte[]?, byte[]?> With(string header, string value)
    {
        var message = CloudEventsEnvelope.ToKafkaMessage(TestSupport.Event("t", "a", 1, 1), "/clearing/x", Now);
        message.Headers.Remove(header);
        message.Headers.Add(header, Encoding.UTF8.GetBytes(value));
        return message;
    }

    [Fact]
    public void a_message_without_a_key_or_with_a_key_that_is_not_utf8_is_malformed()
    {
        var message = CloudEventsEnvelope.ToKafkaMessage(TestSupport.Event("t", "a", 1, 1), "/clearing/x", Now);

        message.Key = null;
        Should.Throw<MalformedKafkaMessageException>(() => CloudEventsEnvelope.Read(Record(message))).Message.ShouldContain("no key");
        message.Key = [0xff, 0xfe];
        Should.Throw<MalformedKafkaMessageException>(() => CloudEventsEnvelope.Read(Record(message))).Message.ShouldBe("key is not valid UTF-8");
    }

    [Fact]
    public void an_outbound_message_without_its_aggregate_key_is_refused_before_it_reaches_kafka()
    {
        Should.Throw<ArgumentException>(() => CloudEventsEnvelope.ToKafkaMessage(TestSupport.Event("t", " ", 1, 1), "/clearing/x", Now))
            .Message.ShouldContain("OutboundMessage.Key must not be empty");
    }

    [Fact]
    public void dead_letter_keeps_the_original_record_and_adds_why_and_where()
    {
        var original = CloudEventsEnvelope.ToKafkaMessage(TestSupport.Event("orders", "acct-1", 1, 1), "/clearing/x", Now);

        var dead = DeadLetterWriter.Build(Record(original), "margin", "handler failed", new TimeoutException("slow"), 4, Now);

        dead.Key.ShouldBe(original.Key);
        dead.Value.ShouldBe(original.Value);
        string H(string name) => Encoding.UTF8.GetString(dead.Headers.GetLastBytes(name));
        H(KafkaHeaderNames.Type).ShouldBe("clearing.test.event.v1");
        H(KafkaHeaderNames.DeadLetterReason).ShouldBe("handler failed");
        H(KafkaHeaderNames.DeadLetterExceptionType).ShouldBe("System.TimeoutException");
        H(KafkaHeaderNames.DeadLetterOriginalTopic).ShouldBe("t");
        H(KafkaHeaderNames.DeadLetterOriginalPartition).ShouldBe("2");
        H(KafkaHeaderNames.DeadLetterOriginalOffset).ShouldBe("7");
        H(KafkaHeaderNames.DeadLetterOriginalKey).ShouldBe("acct-1");
        H(KafkaHeaderNames.DeadLetterConsumerGroup).ShouldBe("margin");
        H(KafkaHeaderNames.DeadLetterAttempts).ShouldBe("4");
    }

    [Fact]
    public void clients_are_configured_for_idempotence_manual_commits_read_committed_and_a_short_fetch_wait_on_the_embedded_broker()
    {
        var options = new KafkaOptions { ServiceName = "matching", InstanceOrdinal = 2 };
        var external = KafkaConnection.ForBootstrap("kafka-0:9092", KafkaBrokerMode.External);
        var embedded = KafkaConnection.ForBootstrap("127.0.0.1:1", KafkaBrokerMode.EmbeddedInProcess);

        var producer = KafkaClientConfigs.Producer(options, external);
        producer.EnableIdempotence.ShouldBe(true);
        producer.Acks.ShouldBe(Acks.All);
        producer.ClientId.ShouldBe("matching-2");

        KafkaClientConfigs.TransactionalProducer(options, external, options.TransactionalId).TransactionalId.ShouldBe("matching-2");

        var consumer = KafkaClientConfigs.Consumer(options, external, "matching");
        consumer.EnableAutoCommit.ShouldBe(false);
        consumer.EnableAutoOffsetStore.ShouldBe(false);
        consumer.IsolationLevel.ShouldBe(IsolationLevel.ReadCommitted);
        consumer.Get("group.protocol").ShouldBe("classic");
        KafkaClientConfigs.Consumer(options, embedded, "matching").Get("group.protocol").ShouldBe("consumer");
        consumer.FetchWaitMaxMs.ShouldBeNull();
        KafkaClientConfigs.Consumer(options, embedded, "matching").FetchWaitMaxMs.ShouldBe(KafkaClientConfigs.EmbeddedFetchWaitMs);
        options.FetchWaitMaxMs = 250;
        KafkaClientConfigs.Consumer(options, external, "matching").FetchWaitMaxMs.ShouldBe(250);
    }

    [Fact]
    public void a_background_consumer_waits_longer_for_an_empty_fetch_on_the_embedded_broker_only()
    {
        var options = new KafkaOptions { ServiceName = "margin" };
        var embedded = KafkaConnection.ForBootstrap("127.0.0.1:1", KafkaBrokerMode.EmbeddedFile);
        var external = KafkaConnection.ForBootstrap("kafka-0:9092", KafkaBrokerMode.External);

        KafkaClientConfigs.Consumer(options, embedded, "margin-vault", KafkaConsumerUrgency.Background).FetchWaitMaxMs.ShouldBe(100);
        KafkaClientConfigs.Consumer(options, embedded, "margin-fills", KafkaConsumerUrgency.Prompt).FetchWaitMaxMs.ShouldBe(KafkaClientConfigs.EmbeddedFetchWaitMs);
        // A real broker answers as soon as a record arrives, so both keep librdkafka's default there.
        KafkaClientConfigs.Consumer(options, external, "margin-vault", KafkaConsumerUrgency.Background).FetchWaitMaxMs.ShouldBeNull();

        options.BackgroundFetchWaitMs = 40;
        KafkaClientConfigs.Consumer(options, embedded, "margin-vault", KafkaConsumerUrgency.Background).FetchWaitMaxMs.ShouldBe(40);
        // An explicit Kafka:FetchWaitMaxMs is one wait for every consumer.
        options.FetchWaitMaxMs = 3;
        KafkaClientConfigs.Consumer(options, embedded, "margin-vault", KafkaConsumerUrgency.Background).FetchWaitMaxMs.ShouldBe(3);
    }

    [Theory]
    [InlineData(KafkaConsumerUrgency.Prompt, KafkaClientConfigs.EmbeddedFetchWaitMs)]
    [InlineData(KafkaConsumerUrgency.Background, 100)]
    public void a_consumer_service_reads_with_the_fetch_wait_of_its_definitions_urgency(KafkaConsumerUrgency urgency, int expectedWait)
    {
        var definition = new KafkaConsumerDefinition<byte[]> { Name = "views", Topics = ["t"], Deserializer = new RawPayloadDeserializer(), Urgency = urgency };
        using var service = new KafkaConsumerService<byte[]>(
            definition,
            (_, _) => Task.CompletedTask,
            KafkaConnection.ForBootstrap("127.0.0.1:1", KafkaBrokerMode.EmbeddedFile),
            new KafkaOptions { ServiceName = "gateway" },
            new Outbox.FakePublisher(),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        var config = service.ClientConfig();

        config.FetchWaitMaxMs.ShouldBe(expectedWait);
        config.GroupId.ShouldBe("gateway-views");
    }

    private static ConsumeResult<byte[]?, byte[]?> Record(Message<byte[]?, byte[]?> message) => new()
    {
        Topic = "t",
        Partition = new Partition(2),
        Offset = new Offset(7),
        Message = message,
    };
}
