using Clearing.Liquidation.Domain.Process;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Domain;

/// <summary>
/// Margin asks again (LiquidationRequired) when a finished case left the account below maintenance; liquidation must
/// treat that as a new case, not as a refresh of the one it already closed, or the account would never be closed.
/// </summary>
public sealed class RetriggerTests
{
    [Fact]
    public void a_request_after_a_completed_partial_liquidation_starts_a_second_case_with_its_own_ids()
    {
        var state = LiquidationAccount.Empty("acct-1");
        var first = LiquidationProcess.OnRisk(state, Risk(toRestore: 1_300m, initial: 2_300m), Rules(), NoOpenInterest);
        state = Fold(state, first);
        var slice = first.OfType<SlicePlaced>().Single();
        var filled = LiquidationProcess.OnSliceFill(state,
            new SliceFillInput(slice.OrderId, "BTC-PERP", "BTC-PERP:7", slice.Quantity, 45_500m, T0.AddSeconds(1), Source("book-BTC-PERP")), Rules());
        state = Fold(state, filled);
        filled.OfType<LiquidationCompleted>().Single().Last.ShouldBeTrue();
        state.Active.ShouldBeNull();

        // The price kept falling: margin's re-request carries what is left (1 − 0.622) and the new numbers.
        var again = LiquidationProcess.OnRisk(state, Risk(size: 0.378m, mark: 44_800m, bankruptcy: 44_500m, equity: 100m, maintenance: 200m, initial: 340m, toRestore: 240m,
            at: T0.AddSeconds(5)), Rules(), NoOpenInterest);

        var started = again.OfType<LiquidationStarted>().Single();
        started.LiquidationId.ShouldBe("acct-1:2");
        started.PositionSize.ShouldBe(0.378m);
        started.Target.ShouldBe(0.378m); // health 0.5 is below ⅔ of maintenance: the rest goes in full
        again.OfType<SlicePlaced>().Single().OrderId.ShouldBe("liq-2-BTC-PERP-1");
        Fold(state, again).Liquidations.ShouldBe(2);
    }
}
