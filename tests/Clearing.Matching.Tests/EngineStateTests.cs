using Clearing.Matching.Domain;
using Clearing.Matching.Tests.Support;

namespace Clearing.Matching.Tests;

public sealed class EngineStateTests
{
    private static byte[] Run(MatchingEngine engine, ReadOnlySpan<EngineCommand> commands)
    {
        var buffer = new EventBuffer();
        using var stream = new MemoryStream();
        var bytes = new byte[MatchEvent.EncodedSize];
        foreach (var command in commands)
        {
            buffer.Clear();
            engine.Process(command, buffer);
            foreach (var e in buffer.AsSpan())
            {
                e.WriteTo(bytes);
                stream.Write(bytes);
            }
        }
        return stream.ToArray();
    }

    [Theory]
    [InlineData(1, 3_000)]
    [InlineData(7, 11_000)]
    [InlineData(2024, 17_500)]
    public void an_engine_restored_from_its_exported_state_continues_byte_for_byte_like_the_original(int seed, int cut)
    {
        // The generated flow carries GTT orders, stops and take-profits, quotes under protection, tier changes, marks, halts
        // and expiries, so the exported state holds every kind of live order and account table.
        var log = FlowGenerator.FromSeed(seed).Take(30_000);
        var original = new MatchingEngine(FlowGenerator.Config());
        Run(original, log.AsSpan(0, cut));
        var state = original.ExportState();
        // Good-till-time orders come and go: move the cut forward to a point where one is live.
        while (!state.Orders.Any(o => o.TimeInForce == TimeInForce.GoodTillTime) || !state.Orders.Any(o => o.Pending))
        {
            Run(original, log.AsSpan(cut, 50));
            cut += 50;
            state = original.ExportState();
        }
        state.Orders.ShouldContain(o => o.Pending);
        state.Orders.ShouldContain(o => o.TimeInForce == TimeInForce.GoodTillTime);
        state.Accounts.ShouldContain(a => a.Protection.Any(p => p != null));
        state.Accounts.ShouldContain(a => a.Tier != 0);

        var restored = new MatchingEngine(FlowGenerator.Config());
        restored.RestoreState(state);

        restored.StateHash().ShouldBe(original.StateHash());
        restored.ExportState().ShouldBeEquivalentTo(state);
        var tail = log.AsSpan(cut);
        Run(restored, tail).AsSpan().SequenceEqual(Run(original, tail)).ShouldBeTrue();
        restored.StateHash().ShouldBe(original.StateHash());
    }

    [Fact]
    public void a_state_is_only_restored_into_a_fresh_engine()
    {
        var engine = new MatchingEngine(FlowGenerator.Config());
        Run(engine, FlowGenerator.FromSeed(3).Take(500));

        Should.Throw<InvalidOperationException>(() => engine.RestoreState(engine.ExportState()))
            .Message.ShouldContain("fresh engine");
    }
}
