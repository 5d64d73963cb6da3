using Clearing.Matching.Domain;
using Clearing.Matching.Tests.Support;

namespace Clearing.Matching.Tests;

public sealed class AllocationTests
{
    [Fact]
    public void the_fast_engine_allocates_nothing_per_command_once_its_pools_are_sized()
    {
        // Everything but protection set-up (which creates its per-account state once) goes through the hot path.
        var log = FlowGenerator.FromSeed(99).Take(30_000).Where(c => c.Kind != CommandKind.ConfigureProtection).ToArray();
        var buffer = new EventBuffer(4_096);
        var warm = new MatchingEngine(FlowGenerator.Config());
        foreach (var command in log)
        {
            buffer.Clear();
            warm.Process(command, buffer);
        }

        var engine = new MatchingEngine(FlowGenerator.Config(initialOrderCapacity: 1 << 15));
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var command in log)
        {
            buffer.Clear();
            engine.Process(command, buffer);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.ShouldBe(0);
        engine.StateHash().ShouldBe(warm.StateHash());
    }
}
