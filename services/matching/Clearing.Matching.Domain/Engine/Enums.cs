namespace Clearing.Matching.Domain;

public enum Side : byte
{
    Buy = 0,
    Sell = 1,
}

public enum OrderType : byte
{
    Limit = 0,
    Market = 1,
    /// <summary>Becomes a market order when the mark price reaches the trigger (buy: mark ≥ trigger, sell: mark ≤ trigger).</summary>
    StopMarket = 2,
    /// <summary>Becomes a limit order when the mark price reaches the trigger (buy: mark ≥ trigger, sell: mark ≤ trigger).</summary>
    StopLimit = 3,
    /// <summary>Becomes a market order when the mark price reaches the trigger (buy: mark ≤ trigger, sell: mark ≥ trigger).</summary>
    TakeProfitMarket = 4,
    /// <summary>Becomes a limit order when the mark price reaches the trigger (buy: mark ≤ trigger, sell: mark ≥ trigger).</summary>
    TakeProfitLimit = 5,
}

public enum TimeInForce : byte
{
    GoodTillCancel = 0,
    /// <summary>Rests until <see cref="EngineCommand.ExpireAt"/>; expired when engine time ≥ that value.</summary>
    GoodTillTime = 1,
    ImmediateOrCancel = 2,
    FillOrKill = 3,
}

public enum SelfTradePrevention : byte
{
    CancelMaker = 0,
    CancelTaker = 1,
    CancelBoth = 2,
}

[Flags]
public enum OrderFlags : byte
{
    None = 0,
    PostOnly = 1,
    ReduceOnly = 2,
    /// <summary>The order is a market-maker quote covered by market-maker protection.</summary>
    Quote = 4,
}

public enum MarketStatus : byte
{
    PreOpen = 0,
    Open = 1,
    Halted = 2,
    Expired = 3,
}

public enum CommandKind : byte
{
    None = 0,
    Place = 1,
    Cancel = 2,
    Amend = 3,
    MassCancel = 4,
    SetMarkPrice = 5,
    SetMarketStatus = 6,
    SetAccountTier = 7,
    ConfigureProtection = 8,
    AdvanceTime = 9,
}

public enum EventKind : byte
{
    None = 0,
    Accepted = 1,
    Rejected = 2,
    Rested = 3,
    Filled = 4,
    Cancelled = 5,
    Amended = 6,
    Triggered = 7,
    MarketStatusChanged = 8,
    ProtectionTriggered = 9,
}

public enum RejectReason : byte
{
    None = 0,
    UnknownMarket,
    MarketNotOpen,
    MarketHalted,
    MarketExpired,
    OffTick,
    OffLot,
    NonPositiveQuantity,
    NonPositivePrice,
    PriceOutOfRange,
    BelowMinSize,
    AboveMaxSize,
    PriceOutsideBand,
    DuplicateOrderId,
    NotResting,
    NotOwner,
    ReduceOnlyNoPosition,
    ProtectionFrozen,
    InvalidOrder,
    ExpiryInPast,
    InvalidTrigger,
    PostOnlyWouldCross,
    InvalidStatusTransition,
    UnknownTier,
    UnknownUnderlying,
    InvalidProtectionSettings,
}

public enum CancelReason : byte
{
    None = 0,
    UserRequested,
    MassCancel,
    /// <summary>The unfilled rest of a market or IOC order (neither ever rests).</summary>
    ImmediateOrCancel,
    FillOrKill,
    PostOnlyWouldCross,
    SelfTradePrevention,
    ReduceOnly,
    /// <summary>A good-till-time order reached its expiry time.</summary>
    Expired,
    InstrumentExpired,
    MarketMakerProtection,
}
