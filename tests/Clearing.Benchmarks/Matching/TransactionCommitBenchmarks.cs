extern alias matching;

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Confluent.Kafka;
using matching::Clearing.Matching.Application;

namespace Clearing.Benchmarks.Matching;

/// <summary>
/// One light-load matching batch on the embedded broker: begin a transaction, produce three events, commit. What a lone
/// order waits for after its store append. Baseline = matching's producer until session 8 (Confluent's background poll
/// thread, linger 5 ms, the consumed offsets sent in the transaction); <see cref="WithoutOffsets"/> drops only the
/// offsets; <see cref="Matching"/> is <see cref="MatchingProcessor.ProducerConfig"/> as the processor uses it (no poll
/// thread, so the commit's flush is woken by the delivery reports; no linger; offsets committed by the consumer instead).
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*TransactionCommit*' (in process, see <see cref="InProcessShortRun"/>)
/// </summary>
[Config(typeof(InProcessShortRun))]
public class TransactionCommitBenchmarks
{
    /// <summary>
    /// In process: what is timed is broker round trips and librdkafka's waits, not generated code, and the out-of-process
    /// toolchain's rebuild of the whole tree did not finish within its 2 minutes on the shared machine.
    /// </summary>
    private sealed class InProcessShortRun : ManualConfig
    {
        public InProcessShortRun() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithInvocationCount(100).WithUnrollFactor(1));
    }

    private const string Input = "bench.matching.input";
    private const string Output = "bench.matching.events";
    private static readonly byte[] Event = new byte[180];

    private EmbeddedKafkaBroker _broker = null!;
    private IProducer<byte[]?, byte[]?> _producer = null!;
    private IConsumer<byte[]?, byte[]?> _consumer = null!;
    private long _offset;

    [GlobalSetup(Target = nameof(Baseline))]
    public void SetupBaseline() => Setup(old: true);

    [GlobalSetup(Target = nameof(WithoutOffsets))]
    public void SetupWithoutOffsets() => Setup(old: true);

    [GlobalSetup(Target = nameof(Matching))]
    public void SetupMatching() => Setup(old: false);

    private void Setup(bool old)
    {
        _broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Partitions = 4, Topics = [Input, Output] });
        var connection = KafkaConnection.ForBootstrap(_broker.BootstrapServers, KafkaBrokerMode.EmbeddedFile);
        var options = new KafkaOptions { ServiceName = "bench" };
        var config = MatchingProcessor.ProducerConfig(options, connection, $"bench-{Guid.NewGuid():N}");
        if (old)
        {
            config.EnableBackgroundPoll = true;
            config.LingerMs = options.LingerMs;
            config.DeliveryReportFields = "all";
        }
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        _producer.InitTransactions(TimeSpan.FromSeconds(30));
        // A consumer that joined its group: SendOffsetsToTransaction needs its group metadata.
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers, GroupId = "bench-matching", EnableAutoCommit = false, IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        _consumer.Subscribe(Input);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_consumer.Assignment.Count == 0 && DateTime.UtcNow < deadline)
        {
            _consumer.Consume(TimeSpan.FromMilliseconds(100));
        }
        if (_consumer.Assignment.Count == 0)
        {
            throw new InvalidOperationException("the benchmark's consumer got no partitions within 30 s");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _producer.Dispose();
        _consumer.Close();
        _consumer.Dispose();
        _broker.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "poll thread, linger 5, offsets in the transaction (until session 8)")]
    public void Baseline() => Commit(withOffsets: true);

    [Benchmark(Description = "poll thread, linger 5, no offsets")]
    public void WithoutOffsets() => Commit(withOffsets: false);

    [Benchmark(Description = "MatchingProcessor.ProducerConfig, no offsets")]
    public void Matching()
    {
        Commit(withOffsets: false);
        _producer.Poll(TimeSpan.Zero);
    }

    private void Commit(bool withOffsets)
    {
        _producer.BeginTransaction();
        for (var i = 0; i < 3; i++)
        {
            _producer.Produce(Output, new Message<byte[]?, byte[]?> { Key = [(byte)i], Value = Event });
        }
        if (withOffsets)
        {
            _producer.SendOffsetsToTransaction([new TopicPartitionOffset(Input, 0, ++_offset)], _consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
        }
        _producer.CommitTransaction(TimeSpan.FromSeconds(30));
    }
}
