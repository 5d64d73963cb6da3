using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Depth;

namespace Clearing.OrderGateway.Tests.Domain;

public sealed class DepthTests
{
    private readonly DepthBook _book = new("BTC-PERP");
    private long _matching;

    private DepthDelta? Apply(params DepthInput[] inputs) => _book.Apply(++_matching, inputs);

    [Fact]
    public void resting_orders_aggregate_into_levels_best_first()
    {
        Apply(new DepthInput.Rested("a", "1", OrderSide.Buy, 100m, 1m));
        Apply(new DepthInput.Rested("b", "2", OrderSide.Buy, 100m, 2m));
        Apply(new DepthInput.Rested("a", "3", OrderSide.Buy, 101m, 0.5m));
        Apply(new DepthInput.Rested("c", "4", OrderSide.Sell, 103m, 1m));
        Apply(new DepthInput.Rested("c", "5", OrderSide.Sell, 102m, 1m));

        var snapshot = _book.Snapshot();
        snapshot.Sequence.ShouldBe(5);
        snapshot.Bids.ShouldBe([new DepthLevel(101m, 0.5m, 1), new DepthLevel(100m, 3m, 2)]);
        snapshot.Asks.ShouldBe([new DepthLevel(102m, 1m, 1), new DepthLevel(103m, 1m, 1)]);
        _book.Snapshot(depth: 1).Bids.Count.ShouldBe(1);
    }

    [Fact]
    public void a_fill_reduces_the_maker_and_a_full_fill_empties_the_level()
    {
        Apply(new DepthInput.Rested("m", "1", OrderSide.Sell, 100m, 2m));
        var partial = Apply(new DepthInput.Reduced("m", "1", 1.5m), new DepthInput.Reduced("t", "9", 0m)).ShouldNotBeNull();
        partial.Asks.ShouldBe([new DepthLevel(100m, 1.5m, 1)]);
        var full = Apply(new DepthInput.Reduced("m", "1", 0m)).ShouldNotBeNull();
        full.Asks.ShouldBe([new DepthLevel(100m, 0m, 0)]);
        _book.RestingOrders.ShouldBe(0);
    }

    [Fact]
    public void events_that_touch_no_resting_order_do_not_advance_the_sequence()
    {
        Apply(new DepthInput.Removed("x", "unknown")).ShouldBeNull();
        Apply(new DepthInput.Reduced("x", "unknown", 1m)).ShouldBeNull();
        _book.Sequence.ShouldBe(0);
    }

    [Fact]
    public void an_amend_keeping_priority_changes_size_in_place_and_one_losing_it_leaves_until_it_rests_again()
    {
        Apply(new DepthInput.Rested("a", "1", OrderSide.Buy, 100m, 2m));
        Apply(new DepthInput.Amended("a", "1", 100m, 1m, KeptPriority: true)).ShouldNotBeNull().Bids.ShouldBe([new DepthLevel(100m, 1m, 1)]);
        Apply(new DepthInput.Amended("a", "1", 99m, 1m, KeptPriority: false)).ShouldNotBeNull().Bids.ShouldBe([new DepthLevel(100m, 0m, 0)]);
        Apply(new DepthInput.Rested("a", "1", OrderSide.Buy, 99m, 1m)).ShouldNotBeNull().Bids.ShouldBe([new DepthLevel(99m, 1m, 1)]);
    }

    [Fact]
    public void market_expiry_clears_the_book()
    {
        Apply(new DepthInput.Rested("a", "1", OrderSide.Buy, 100m, 2m));
        Apply(new DepthInput.Rested("b", "2", OrderSide.Sell, 101m, 2m));
        var cleared = Apply(new DepthInput.Cleared()).ShouldNotBeNull();
        cleared.Bids.ShouldBe([new DepthLevel(100m, 0m, 0)]);
        cleared.Asks.ShouldBe([new DepthLevel(101m, 0m, 0)]);
    }

    [Fact]
    public void a_replica_fed_snapshot_and_deltas_equals_the_book()
    {
        Apply(new DepthInput.Rested("a", "1", OrderSide.Buy, 100m, 2m));
        var replica = new DepthReplica();
        replica.Reset(_book.Snapshot());
        var deltas = new[]
        {
            Apply(new DepthInput.Rested("b", "2", OrderSide.Sell, 101m, 1m)),
            Apply(new DepthInput.Reduced("a", "1", 1m)),
            Apply(new DepthInput.Removed("b", "2")),
        };
        foreach (var delta in deltas)
        {
            replica.Apply(delta!).ShouldBe(DeltaResult.Applied);
        }

        replica.Bids.ShouldBe(_book.Snapshot().Bids);
        replica.Asks.ShouldBe(_book.Snapshot().Asks);
        replica.Sequence.ShouldBe(_book.Sequence);
    }

    [Fact]
    public void a_replica_detects_a_missed_delta_and_waits_for_a_new_snapshot()
    {
        var replica = new DepthReplica();
        Apply(new DepthInput.Rested("a", "1", OrderSide.Buy, 100m, 2m)).ShouldNotBeNull().Sequence.ShouldBe(1);
        replica.Apply(new DepthDelta(1, 1, [], [])).ShouldBe(DeltaResult.NeedsSnapshot);
        replica.Reset(_book.Snapshot());
        Apply(new DepthInput.Rested("a", "2", OrderSide.Buy, 99m, 1m)); // this delta (2) never reaches the replica
        var third = Apply(new DepthInput.Rested("a", "3", OrderSide.Buy, 98m, 1m))!;

        replica.Apply(third).ShouldBe(DeltaResult.Gap);
        replica.Sequence.ShouldBeNull();
        replica.Apply(third).ShouldBe(DeltaResult.NeedsSnapshot);

        replica.Reset(_book.Snapshot());
        replica.Bids.Count().ShouldBe(3);
        replica.Apply(third).ShouldBe(DeltaResult.Stale);
    }

    [Fact]
    public void a_book_moved_without_deltas_has_the_sequence_and_levels_of_one_that_described_every_change()
    {
        var quiet = new DepthBook("BTC-PERP");
        DepthInput[][] events =
        [
            [new DepthInput.Rested("a", "1", OrderSide.Buy, 100m, 2m)],
            [new DepthInput.Rested("b", "2", OrderSide.Sell, 101m, 1m)],
            [new DepthInput.Reduced("zz", "unknown", 1m)],
            [new DepthInput.Reduced("b", "2", 0.5m), new DepthInput.Reduced("a", "1", 0m)],
            [new DepthInput.Removed("nobody", "x")],
            [new DepthInput.Amended("b", "2", 101m, 0.25m, KeptPriority: true)],
            [new DepthInput.Rested("c", "3", OrderSide.Buy, 99m, 3m)],
            [new DepthInput.Cleared()],
            [new DepthInput.Rested("c", "4", OrderSide.Sell, 105m, 1m)],
        ];
        var matching = 0L;
        foreach (var inputs in events)
        {
            matching++;
            var described = _book.Apply(matching, inputs);

            quiet.ApplyWithoutDelta(matching, inputs).ShouldBe(described is not null);
            quiet.Sequence.ShouldBe(_book.Sequence);
            quiet.MatchingSequence.ShouldBe(_book.MatchingSequence);
            quiet.Snapshot().ShouldBeEquivalentTo(_book.Snapshot());
        }

        _book.Sequence.ShouldBe(7);
    }
}
