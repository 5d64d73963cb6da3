using Confluent.Kafka;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>How the simulator's readers of the public topics connect: each its own group, committed reads only.</summary>
internal static class SimulatorConsumer
{
    /// <param name="stopAtDeletedRecords">
    /// A reader that fell off the broker's retained log gets ErrorCode.Local_AutoOffsetReset from Consume (and must handle
    /// it) instead of jumping silently to the end, librdkafka's default.
    /// </param>
    public static IConsumer<byte[]?, byte[]?> Create(string bootstrapServers, string name, bool stopAtDeletedRecords = false) =>
        new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = name,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            ClientId = name,
            // The embedded broker answers an empty fetch only after the full wait (librdkafka default 500 ms), even when
            // records arrive meanwhile, where a real broker answers as soon as they arrive: the wait is a uniform delay the
            // embedded broker adds to every observed latency. 10 ms added ~5 ms to the order-to-fill p50 and up to 10 ms to
            // its p99; 2 ms costs more empty fetches while idle (none under load, when every fetch finds records).
            FetchWaitMaxMs = 2,
            AutoOffsetReset = stopAtDeletedRecords ? AutoOffsetReset.Error : AutoOffsetReset.Latest,
        }).Build();
}
