using System.Collections.Immutable;
using Clearing.Primitives.Inbox;

namespace Clearing.Liquidation.Domain.Process;

/// <summary>The state of stream "liquidation-{account}": its inbox, how many liquidations it has had, and the active one.</summary>
public sealed record LiquidationAccount
{
    public required string AccountId { get; init; }

    public InboxPosition Inbox { get; init; } = InboxPosition.Empty;

    public int Liquidations { get; init; }

    public ActiveLiquidation? Active { get; init; }

    public static LiquidationAccount Empty(string accountId) => new() { AccountId = accountId };
}

public sealed record ActiveLiquidation
{
    public required string Id { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public bool Bankrupt { get; init; }

    public decimal Equity { get; init; }

    public ImmutableSortedDictionary<string, MarketLiquidation> Markets { get; init; } =
        ImmutableSortedDictionary.Create<string, MarketLiquidation>(StringComparer.Ordinal);

    /// <summary>Every liquidation order this liquidation placed, so a late fill after a timeout is still recognised.</summary>
    public ImmutableSortedDictionary<string, string> OrderMarkets { get; init; } =
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);
}

public sealed record OpenSlice(string OrderId, CloseSide Side, decimal Quantity, decimal LimitPrice, decimal Filled, DateTimeOffset PlacedAt, DateTimeOffset Deadline)
{
    public decimal Unfilled => Quantity - Filled;
}

public sealed record MarketLiquidation
{
    public required string Market { get; init; }

    /// <summary>Signed position still held by the account (as far as liquidation's own actions go).</summary>
    public decimal Size { get; init; }

    public decimal EntryPrice { get; init; }

    public decimal MarkPrice { get; init; }

    public decimal BankruptcyPrice { get; init; }

    /// <summary>Quantity this liquidation closes in total (the whole position, or the part that restores initial margin).</summary>
    public decimal Target { get; init; }

    public decimal SliceCap { get; init; }

    public decimal ClosedInBook { get; init; }

    public decimal TakenByFund { get; init; }

    public decimal TakenByVault { get; init; }

    public decimal Deleveraged { get; init; }

    public decimal UncoveredSize { get; init; }

    public decimal UncoveredLoss { get; init; }

    public decimal Fees { get; init; }

    /// <summary>Where this case's last slice fill came from (matching's book stream and sequence); null before the first.</summary>
    public MessageSource? LastFill { get; init; }

    public OpenSlice? Slice { get; init; }

    public int Slices { get; init; }

    public int BookMisses { get; init; }

    public DateTimeOffset NextSliceNotBefore { get; init; }

    public bool Completed { get; init; }

    public CloseSide Side { get; init; }

    public decimal Remaining => Target - ClosedInBook - TakenByVault - TakenByFund - Deleveraged - UncoveredSize;
}
