using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Benchmarks.Kafka;

/// <summary>
/// Produce→consume throughput through the embedded broker (librdkafka mock cluster, 3 brokers, 4 partitions).
/// Baseline: produce only (acks=all, idempotent, delivery of every message confirmed). Then the same messages
/// produced while a consumer reads them all, first as raw records and then through the real publisher (CloudEvents
/// headers) with the consumer reading every envelope.
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*KafkaThroughput*'
/// Each op is one message: messages/s = 1e9 / ns (the "msg/s" column).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class KafkaThroughputBenchmarks
{
    private const int Messages = 200_000;
    private const int Accounts = 256;
    private const string Topic = "bench.kafka.throughput";

    private EmbeddedKafkaBroker _broker = null!;
    private KafkaConnection _connection = null!;
    private IProducer<byte[]?, byte[]?> _producer = null!;
    private KafkaPublisher _publisher = null!;
    private IConsumer<byte[]?, byte[]?> _consumer = null!;
    private byte[][] _keys = null!;
    private OutboundMessage[] _envelopes = null!;
    private readonly byte[] _payload = new byte[100];

    [GlobalSetup]
    public void Setup()
    {
        _broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Topics = [Topic], Partitions = 4 });
        _connection = KafkaConnection.ForBootstrap(_broker.BootstrapServers, KafkaBrokerMode.EmbeddedInProcess);
        var options = new KafkaOptions { BootstrapServers = _broker.BootstrapServers, ServiceName = "bench" };
        var producerConfig = KafkaClientConfigs.Producer(options, _connection);
        producerConfig.BatchSize = 1_000_000;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(producerConfig).Build();
        _publisher = new KafkaPublisher(_connection, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<KafkaPublisher>.Instance);
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = "bench",
            EnableAutoCommit = false,
            FetchMaxBytes = 50_000_000,
            MaxPartitionFetchBytes = 10_000_000,
            FetchWaitMaxMs = 10,
        }).Build();
        _keys = Enumerable.Range(0, Accounts).Select(i => System.Text.Encoding.UTF8.GetBytes($"acct-{i}")).ToArray();
        _envelopes = Enumerable.Range(0, Accounts).Select(i => new OutboundMessage
        {
            Topic = Topic,
            Key = $"acct-{i}",
            Type = "clearing.bench.event.v1",
            Payload = _payload,
            SourceStream = $"account-{i}",
            SourceSequence = 0,
        }).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _consumer.Close();
        _consumer.Dispose();
        _producer.Dispose();
        _publisher.Dispose();
        _broker.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public int ProduceOnly()
    {
        ProduceRaw();
        return _producer.Flush(TimeSpan.FromMinutes(1));
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public int ProduceAndConsume()
    {
        var reader = StartReading(parseEnvelope: false);
        ProduceRaw();
        _producer.Flush(TimeSpan.FromMinutes(1));
        return reader.GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public int PublishEnvelopesAndConsume()
    {
        var reader = StartReading(parseEnvelope: true);
        for (var i = 0; i < Messages; i++)
        {
            var envelope = _envelopes[i % Accounts] with { SourceSequence = i };
            PublishWithBackpressure(envelope);
        }

        _publisher.Flush(TimeSpan.FromMinutes(1));
        return reader.GetAwaiter().GetResult();
    }

    private void ProduceRaw()
    {
        for (var i = 0; i < Messages; i++)
        {
            var message = new Message<byte[]?, byte[]?> { Key = _keys[i % Accounts], Value = _payload };
            while (true)
            {
                try
                {
                    _producer.Produce(Topic, message);
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // The client's queue is full: let deliveries drain, as a real producer would.
                    _producer.Poll(TimeSpan.FromMilliseconds(1));
                }
            }
        }
    }

    private void PublishWithBackpressure(OutboundMessage envelope)
    {
        while (true)
        {
            try
            {
                _publisher.Publish(envelope);
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                Thread.Sleep(1);
            }
        }
    }

    /// <summary>Assigns the consumer at the current end of every partition and reads until it has every new message.</summary>
    private Task<int> StartReading(bool parseEnvelope)
    {
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        var partitions = admin.GetMetadata(Topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(Topic, p.PartitionId))
            .ToList();
        var start = partitions
            .Select(tp => new TopicPartitionOffset(tp, _consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High))
            .ToList();
        _consumer.Assign(start);
        return Task.Run(() =>
        {
            var received = 0;
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (received < Messages)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Only {received} of {Messages} messages arrived.");
                }

                var record = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (record is null)
                {
                    continue;
                }

                if (parseEnvelope)
                {
                    _ = CloudEventsEnvelope.Read(record);
                }

                received++;
            }

            return received;
        });
    }
}
