namespace Clearing.OrderGateway.Domain.Commands;

/// <summary>The four order commands a trader can send. Values are part of the canonical encoding: never renumber.</summary>
public enum CommandKind : byte
{
    Place = 1,
    Cancel = 2,
    Amend = 3,
    CancelAll = 4,
}

// The enums below carry the numbers of clearing.orders.v1 (order_commands.proto), which the canonical encoding uses.

public enum OrderSide : byte
{
    Unspecified = 0,
    Buy = 1,
    Sell = 2,
}

public enum OrderType : byte
{
    Unspecified = 0,
    Limit = 1,
    Market = 2,
    StopMarket = 3,
    StopLimit = 4,
    TakeProfit = 5,
}

public enum OrderTimeInForce : byte
{
    Unspecified = 0,
    Gtc = 1,
    Gtt = 2,
    Ioc = 3,
    Fok = 4,
}

public enum SelfTradeMode : byte
{
    Unspecified = 0,
    CancelMaker = 1,
    CancelTaker = 2,
    CancelBoth = 3,
}

public enum MarginMode : byte
{
    Unspecified = 0,
    Cross = 1,
    Isolated = 2,
}

/// <summary>
/// One trader command as the gateway judges it: who, what, and the replay guard (nonce, expiry). Amounts are exact
/// decimals; an absent price is null. For <see cref="CommandKind.Amend"/>, <see cref="Price"/> and
/// <see cref="Quantity"/> are the new values.
/// </summary>
public sealed record GatewayCommand
{
    public required CommandKind Kind { get; init; }
    public required string AccountId { get; init; }
    public required string Market { get; init; }
    public required string Nonce { get; init; }
    public required long ExpiresAtUnixNanos { get; init; }

    /// <summary>The client order id (place, cancel, amend); empty for cancel-all.</summary>
    public string OrderId { get; init; } = "";
    public OrderSide Side { get; init; }
    public OrderType Type { get; init; }
    public decimal? Price { get; init; }
    public decimal Quantity { get; init; }
    public OrderTimeInForce TimeInForce { get; init; }
    public long GoodTillUnixNanos { get; init; }
    public bool PostOnly { get; init; }
    public bool ReduceOnly { get; init; }
    public SelfTradeMode SelfTrade { get; init; }
    public decimal? TriggerPrice { get; init; }
    public MarginMode MarginMode { get; init; }
    public decimal? IsolatedCollateral { get; init; }
    public string CollateralAsset { get; init; } = "";
    /// <summary>A market-maker quote: under matching's market-maker protection (PlaceOrder.mmp).</summary>
    public bool Mmp { get; init; }

    /// <summary>Quantity signed by side: positive buys, negative sells.</summary>
    public decimal SignedQuantity => Side == OrderSide.Sell ? -Quantity : Quantity;

    /// <summary>Whether the command can add exposure (and so needs margin and an open market).</summary>
    public bool AddsOrders => Kind is CommandKind.Place or CommandKind.Amend;
}
