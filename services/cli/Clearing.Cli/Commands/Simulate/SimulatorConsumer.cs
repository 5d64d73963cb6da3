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
            // records arrive meanwhile: at demo rates that wait, not the stack, was most of the measured order→fill latency.
            FetchWaitMaxMs = 10,
            AutoOffsetReset = stopAtDeletedRecords ? AutoOffsetReset.Error : AutoOffsetReset.Latest,
        }).Build();
}
