using System.Text;
using System.Text.Json;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Producing;
using Clearing.Testing.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests;

/// <summary>The payload the tests publish: JSON keeps failures readable in the DLQ.</summary>
public sealed record TestEvent(string Account, int Number);

internal static class TestSupport
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static IKafkaPayloadDeserializer<TestEvent> Deserializer { get; } =
        new DelegatePayloadDeserializer<TestEvent>((bytes, _) =>
            JsonSerializer.Deserialize<TestEvent>(bytes) ?? throw new JsonException("payload is JSON null"));

    public static OutboundMessage Event(string topic, string account, int number, long sequence, string? correlationId = null) => new()
    {
        Topic = topic,
        Key = account,
        Type = "clearing.test.event.v1",
        Payload = JsonSerializer.SerializeToUtf8Bytes(new TestEvent(account, number)),
        SourceStream = $"account-{account}",
        SourceSequence = sequence,
        ContentType = "application/json",
        CorrelationId = correlationId,
    };

    /// <summary>A backlog: events 0 … <paramref name="count"/> − 1 of acct-1 on <paramref name="topic"/>, every one delivered.</summary>
    public static void PublishBacklog(KafkaPublisher publisher, string topic, int count)
    {
        for (var n = 0; n < count; n++)
        {
            publisher.Publish(Event(topic, "acct-1", n, n));
        }

        publisher.Flush(Patience).ShouldBe(0);
    }

    public static KafkaPublisher Publisher(KafkaFixture kafka, ILoggerFactory logs, string serviceName = "tests") =>
        new(kafka.Connection(), Options.Create(kafka.Options(serviceName)), TimeProvider.System, logs.CreateLogger<KafkaPublisher>());

    public static KafkaConsumerService<TestEvent> Consumer(
        KafkaFixture kafka,
        IKafkaPublisher publisher,
        ILoggerFactory logs,
        string topic,
        KafkaMessageHandler<TestEvent> handler,
        string? groupId = null) =>
        new(
            new KafkaConsumerDefinition<TestEvent>
            {
                Name = "test-consumer",
                Topics = [topic],
                Deserializer = Deserializer,
                GroupId = groupId ?? $"group-{Guid.NewGuid():N}",
            },
            handler,
            kafka.Connection(),
            kafka.Options(),
            publisher,
            TimeProvider.System,
            logs);

    /// <summary>Reads every record of a topic from the start, as a read_committed consumer outside any group.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadAll(KafkaFixture kafka, string topic, int expected, TimeSpan? settle = null) =>
        ReadMatching(kafka, topic, _ => true, expected, settle);

    /// <summary>Reads a topic from the start, keeping the records that match, until <paramref name="expected"/> are found.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadMatching(
        KafkaFixture kafka,
        string topic,
        Func<ConsumeResult<byte[]?, byte[]?>, bool> match,
        int expected,
        TimeSpan? settle = null)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Subscribe(topic);
        var records = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + Patience;
        while (records.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record && match(record))
            {
                records.Add(record);
            }
        }

        // Keep reading a little longer so "nothing more" is checked, not assumed.
        var quietUntil = DateTime.UtcNow + (settle ?? TimeSpan.FromMilliseconds(500));
        while (DateTime.UtcNow < quietUntil)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record && match(record))
            {
                records.Add(record);
            }
        }

        consumer.Close();
        return records;
    }

    /// <summary>Dead letters whose original topic is <paramref name="originalTopic"/> (the DLQ is shared by the suite).</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> DeadLettersFrom(KafkaFixture kafka, string originalTopic, int expected) =>
        ReadMatching(kafka, Clearing.Contracts.Topics.DeadLetters, r => Header(r, KafkaHeaderNames.DeadLetterOriginalTopic) == originalTopic, expected);

    public static string? Header(ConsumeResult<byte[]?, byte[]?> record, string name) =>
        record.Message.Headers is { } headers && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    public static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {Patience} waiting until {what}.");
            }

            await Task.Delay(25);
        }
    }

    public static ILoggerFactory Logs(ITestOutputHelper output) =>
        LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new TestOutputLoggerProvider(output)));
}

/// <summary>Sends log lines to the test's output, so a failing test shows what the consumer did.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, categoryName);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // Log lines from background threads after the test ended have nowhere to go.
            }
        }
    }
}
