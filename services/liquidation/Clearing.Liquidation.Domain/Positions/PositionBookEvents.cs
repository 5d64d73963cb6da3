using Clearing.EventSourcing;

namespace Clearing.Liquidation.Domain.Positions;

// Stored in "positions-{market}": liquidation's own projection of who holds what in a market, for ADL ranking and the
// open-interest cap. Fills come from matching; fund takeovers and ADL (not fills) from liquidation's own streams.

[EventType("positions.fill-applied.v1")]
public sealed record PositionFillApplied(string Market, string FillId, string TakerAccountId, string MakerAccountId, bool TakerBuys, decimal Quantity, decimal Price, MessageSource Source);

/// <summary>A position moved without a trade in the book: to the insurance fund, or to an ADL counterparty, at the bankruptcy price.</summary>
[EventType("positions.transfer-applied.v1")]
public sealed record PositionTransferApplied(string Market, string FromAccountId, string ToAccountId, bool FromSells, decimal Quantity, decimal Price, string Reason, MessageSource Source);

/// <summary>The latest equity margin reported for an account holding a position here (its leverage for ADL ranking).</summary>
[EventType("positions.equity-observed.v1")]
public sealed record AccountEquityObserved(string Market, string AccountId, decimal Equity, MessageSource Source);

/// <summary>
/// Open interest crossed the market's cap (Capped: new exposure is refused) or fell back below the resume level. A
/// signal: the gateway refuses orders that would raise open interest while it is capped.
/// </summary>
[EventType("positions.open-interest-cap-changed.v1")]
public sealed record OpenInterestCapChanged(string Market, decimal OpenInterest, decimal Cap, bool Capped, DateTimeOffset At);

public static class PositionBookEventTypes
{
    public static IReadOnlyList<Type> All { get; } =
        [typeof(PositionFillApplied), typeof(PositionTransferApplied), typeof(AccountEquityObserved), typeof(OpenInterestCapChanged)];
}
