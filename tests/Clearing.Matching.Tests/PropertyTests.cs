using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Reference;
using Clearing.Matching.Tests.Support;
using CsCheck;

namespace Clearing.Matching.Tests;

/// <summary>
/// Invariants checked after every command of CsCheck-generated flows (a flow is a list of ints fed to
/// <see cref="FlowGenerator"/>, so a failure shrinks to a short flow): the book is never crossed, every order's
/// quantity is accounted for (accepted = filled + cancelled + resting, through amends and triggers), fills move
/// positions by equal and opposite amounts, and both engines agree.
/// </summary>
public sealed class PropertyTests
{
    private static readonly Gen<int[]> Flows = Gen.Int[0, int.MaxValue].Array[20, 1_500];

    [Fact]
    public void books_are_never_crossed_and_quantity_is_conserved_after_every_command()
    {
        Flows.Sample(values =>
        {
            var generator = FlowGenerator.FromValues(values);
            var commands = generator.Take(values.Length / 3);
            CheckInvariants(new MatchingEngine(FlowGenerator.Config()), commands);
        }, iter: 60, threads: 1);
    }

    [Fact]
    public void the_reference_engine_keeps_the_same_invariants()
    {
        Flows.Sample(values =>
        {
            var commands = FlowGenerator.FromValues(values).Take(values.Length / 3);
            CheckInvariants(new ReferenceEngine(FlowGenerator.Config()), commands);
        }, iter: 20, threads: 1);
    }

    [Fact]
    public void both_engines_agree_on_generated_flows()
    {
        Flows.Sample(values =>
        {
            var commands = FlowGenerator.FromValues(values).Take(values.Length / 3);
            var fast = new MatchingEngine(FlowGenerator.Config());
            var reference = new ReferenceEngine(FlowGenerator.Config());
            var a = new EventBuffer();
            var b = new EventBuffer();
            foreach (var command in commands)
            {
                a.Clear();
                b.Clear();
                fast.Process(command, a);
                reference.Process(command, b);
                a.AsSpan().SequenceEqual(b.AsSpan()).ShouldBeTrue();
            }
            fast.StateHash().ShouldBe(reference.StateHash());
        }, iter: 100, threads: 1);
    }

    private static void CheckInvariants(IMatchingEngine engine, EngineCommand[] commands)
    {
        var open = new Dictionary<long, long>();
        var accounts = new HashSet<long>();
        var buffer = new EventBuffer();
        var markets = engine.Config.Instruments.Count;
        foreach (var command in commands)
        {
            accounts.Add(command.Account);
            buffer.Clear();
            engine.Process(command, buffer);
            foreach (var e in buffer.AsSpan())
            {
                Account(open, e);
            }
            for (var m = 0; m < markets; m++)
            {
                var book = engine.Book(m);
                if (book.BestBid is { } bid && book.BestAsk is { } ask)
                {
                    bid.ShouldBeLessThan(ask, $"market {m} crossed after {command.Kind}");
                }
                book.Bids.Select(b => b.Price).ShouldBeInOrder(SortDirection.Descending);
                book.Asks.Select(a => a.Price).ShouldBeInOrder(SortDirection.Ascending);
                accounts.Sum(a => engine.Position(a, m)).ShouldBe(0, $"positions in market {m} must net to zero");
            }
            var live = Enumerable.Range(0, markets).Select(engine.Book)
                .SelectMany(b => b.Bids.Concat(b.Asks).Select(e => (e.OrderId, e.Remaining))
                    .Concat(b.Conditionals.Select(c => (c.OrderId, Remaining: c.Quantity))))
                .OrderBy(x => x.OrderId).ToList();
            open.Where(o => o.Value != 0).Select(o => (OrderId: o.Key, Remaining: o.Value)).OrderBy(x => x.OrderId).ToList()
                .ShouldBe(live, "every open quantity rests or waits, nothing else");
        }
    }

    /// <summary>Tracks each order's open quantity from the events alone and checks each event against it.</summary>
    private static void Account(Dictionary<long, long> open, in MatchEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.Accepted:
                open.GetValueOrDefault(e.OrderId).ShouldBe(0, "a live id was accepted twice");
                e.Quantity.ShouldBeGreaterThan(0);
                open[e.OrderId] = e.Quantity;
                break;
            case EventKind.Triggered:
                e.Quantity.ShouldBeLessThanOrEqualTo(open[e.OrderId], "a trigger may only shrink a reduce-only order");
                open[e.OrderId] = e.Quantity;
                break;
            case EventKind.Amended:
                open.ShouldContainKey(e.OrderId);
                open[e.OrderId] = e.Quantity;
                break;
            case EventKind.Filled:
                e.Quantity.ShouldBeGreaterThan(0);
                open[e.OrderId] -= e.Quantity;
                open[e.CounterOrderId] -= e.Quantity;
                open[e.OrderId].ShouldBe(e.Remaining);
                open[e.CounterOrderId].ShouldBe(e.CounterRemaining);
                open[e.OrderId].ShouldBeGreaterThanOrEqualTo(0);
                open[e.CounterOrderId].ShouldBeGreaterThanOrEqualTo(0);
                break;
            case EventKind.Cancelled:
                open[e.OrderId].ShouldBe(e.Remaining, "a cancel removes exactly what was open");
                open[e.OrderId] = 0;
                break;
            case EventKind.Rested:
                open[e.OrderId].ShouldBe(e.Remaining);
                break;
        }
    }
}
