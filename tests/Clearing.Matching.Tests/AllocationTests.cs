using Clearing.Matching.Domain;
using Clearing.Matching.Tests.Support;

namespace Clearing.Matching.Tests;

public sealed class AllocationTests
{
    [Fact]
    public void the_fast_engine_allocates_nothing_per_command_once_its_pools_are_sized()
    {
        // Everything but protection set-up (which creates its per-account state once) goes through the hot path.
        var log = FlowGenerator.FromSeed(99).Take(40_000).Where(c => c.Kind != CommandKind.ConfigureProtection).ToArray();
        var buffer = new EventBuffer(4_096);
        var engine = new MatchingEngine(FlowGenerator.Config(initialOrderCapacity: 1 << 15));
        // The first part sizes the pools and lets the price windows grow around the outliers; growth is the only allocation.
        var warmUp = log.Length / 2;
        for (var i = 0; i < warmUp; i++)
        {
            buffer.Clear();
            engine.Process(log[i], buffer);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = warmUp; i < log.Length; i++)
        {
            buffer.Clear();
            engine.Process(log[i], buffer);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.ShouldBe(0);
    }
}
