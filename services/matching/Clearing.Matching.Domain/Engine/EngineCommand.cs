using System.Runtime.InteropServices;

namespace Clearing.Matching.Domain;

/// <summary>
/// One sequenced input to the engine. A plain struct so a command log is an array and the hot path copies nothing
/// onto the heap. Prices and trigger prices are in ticks, quantities in lots of the market's instrument; time is
/// whatever monotonic unit the sequencer stamps (the engine only compares and adds it), and it is the only clock
/// the engine knows. Build commands with the factory methods: the administrative commands reuse the numeric fields
/// and the factories name them.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct EngineCommand
{
    public CommandKind Kind;
    public Side Side;
    public OrderType Type;
    public TimeInForce TimeInForce;
    public SelfTradePrevention Stp;
    public OrderFlags Flags;
    public MarketStatus Status;
    /// <summary>Market index into <see cref="EngineConfig.Instruments"/>; underlying index for <see cref="CommandKind.ConfigureProtection"/>; -1 means every market for a mass cancel.</summary>
    public int Market;
    public long Timestamp;
    public long OrderId;
    public long Account;
    public long Price;
    public long Quantity;
    public long TriggerPrice;
    /// <summary>Expiry time of a good-till-time order, compared with command timestamps.</summary>
    public long ExpireAt;

    /// <summary>Option delta in 1/10 000 carried by a mark price update (ignored for futures, whose delta is 1).</summary>
    public readonly long Delta => Quantity;
    public readonly int Tier => (int)Quantity;
    public readonly long ProtectionWindow => Price;
    public readonly long ProtectionQuantityLimit => Quantity;
    public readonly long ProtectionDeltaLimit => TriggerPrice;
    public readonly long ProtectionCooldown => ExpireAt;

    public static EngineCommand Limit(long timestamp, int market, long orderId, long account, Side side, long price, long quantity,
        TimeInForce timeInForce = TimeInForce.GoodTillCancel, OrderFlags flags = OrderFlags.None,
        SelfTradePrevention stp = SelfTradePrevention.CancelMaker, long expireAt = 0) => new()
        {
            Kind = CommandKind.Place, Timestamp = timestamp, Market = market, OrderId = orderId, Account = account, Side = side,
            Type = OrderType.Limit, Price = price, Quantity = quantity, TimeInForce = timeInForce, Flags = flags, Stp = stp,
            ExpireAt = expireAt,
        };

    public static EngineCommand MarketOrder(long timestamp, int market, long orderId, long account, Side side, long quantity,
        TimeInForce timeInForce = TimeInForce.ImmediateOrCancel, OrderFlags flags = OrderFlags.None,
        SelfTradePrevention stp = SelfTradePrevention.CancelMaker) => new()
        {
            Kind = CommandKind.Place, Timestamp = timestamp, Market = market, OrderId = orderId, Account = account, Side = side,
            Type = OrderType.Market, Quantity = quantity, TimeInForce = timeInForce, Flags = flags, Stp = stp,
        };

    /// <summary>A stop or take-profit order; <paramref name="price"/> is the limit price for the limit variants, ignored otherwise.</summary>
    public static EngineCommand Conditional(long timestamp, int market, long orderId, long account, Side side, OrderType type,
        long triggerPrice, long price, long quantity, TimeInForce timeInForce = TimeInForce.GoodTillCancel,
        OrderFlags flags = OrderFlags.None, SelfTradePrevention stp = SelfTradePrevention.CancelMaker, long expireAt = 0) => new()
        {
            Kind = CommandKind.Place, Timestamp = timestamp, Market = market, OrderId = orderId, Account = account, Side = side,
            Type = type, TriggerPrice = triggerPrice, Price = type.IsLimitPriced() ? price : 0, Quantity = quantity,
            TimeInForce = timeInForce, Flags = flags, Stp = stp, ExpireAt = expireAt,
        };

    public static EngineCommand Cancel(long timestamp, int market, long orderId, long account) => new()
    {
        Kind = CommandKind.Cancel, Timestamp = timestamp, Market = market, OrderId = orderId, Account = account,
    };

    /// <summary>Changes a resting order's price and/or remaining quantity.</summary>
    public static EngineCommand Amend(long timestamp, int market, long orderId, long account, long newPrice, long newQuantity) => new()
    {
        Kind = CommandKind.Amend, Timestamp = timestamp, Market = market, OrderId = orderId, Account = account,
        Price = newPrice, Quantity = newQuantity,
    };

    /// <param name="market">A market index, or -1 for every market.</param>
    public static EngineCommand MassCancel(long timestamp, long account, int market = -1) => new()
    {
        Kind = CommandKind.MassCancel, Timestamp = timestamp, Account = account, Market = market,
    };

    public static EngineCommand MarkPrice(long timestamp, int market, long markPrice, long delta = 0) => new()
    {
        Kind = CommandKind.SetMarkPrice, Timestamp = timestamp, Market = market, Price = markPrice, Quantity = delta,
    };

    public static EngineCommand MarketStatusChange(long timestamp, int market, MarketStatus status) => new()
    {
        Kind = CommandKind.SetMarketStatus, Timestamp = timestamp, Market = market, Status = status,
    };

    public static EngineCommand AccountTier(long timestamp, long account, int tier) => new()
    {
        Kind = CommandKind.SetAccountTier, Timestamp = timestamp, Account = account, Quantity = tier,
    };

    /// <summary>
    /// Market-maker protection for one account on one underlying. Quantities are in underlying nano-units
    /// (1e-9 of the underlying, the unit every lot size of that underlying is a whole multiple of); a limit of 0 is off.
    /// Re-configuring clears the window and any freeze.
    /// </summary>
    public static EngineCommand ConfigureProtection(long timestamp, long account, int underlying, long window,
        long quantityLimit, long deltaLimit, long cooldown) => new()
        {
            Kind = CommandKind.ConfigureProtection, Timestamp = timestamp, Account = account, Market = underlying,
            Price = window, Quantity = quantityLimit, TriggerPrice = deltaLimit, ExpireAt = cooldown,
        };

    public static EngineCommand AdvanceTime(long timestamp) => new() { Kind = CommandKind.AdvanceTime, Timestamp = timestamp };
}

public static class OrderTypeExtensions
{
    public static bool IsConditional(this OrderType type) => type >= OrderType.StopMarket;

    public static bool IsLimitPriced(this OrderType type) => type is OrderType.Limit or OrderType.StopLimit or OrderType.TakeProfitLimit;

    /// <summary>True when the order triggers as the mark rises (buy stop, sell take-profit).</summary>
    public static bool TriggersOnRise(this OrderType type, Side side) =>
        type is OrderType.StopMarket or OrderType.StopLimit ? side == Side.Buy : side == Side.Sell;
}
