namespace Clearing.Matching.Domain;

/// <summary>Stable kebab-case codes for reasons; they appear in CLI output and public events, so never rename one.</summary>
public static class ReasonCodes
{
    public static string Code(this RejectReason reason) => reason switch
    {
        RejectReason.None => "none",
        RejectReason.UnknownMarket => "unknown-market",
        RejectReason.MarketNotOpen => "market-not-open",
        RejectReason.MarketHalted => "market-halted",
        RejectReason.MarketExpired => "market-expired",
        RejectReason.OffTick => "off-tick",
        RejectReason.OffLot => "off-lot",
        RejectReason.NonPositiveQuantity => "non-positive-quantity",
        RejectReason.NonPositivePrice => "non-positive-price",
        RejectReason.PriceOutOfRange => "price-out-of-range",
        RejectReason.BelowMinSize => "below-min-size",
        RejectReason.AboveMaxSize => "above-max-size",
        RejectReason.PriceOutsideBand => "price-outside-band",
        RejectReason.DuplicateOrderId => "duplicate-order-id",
        RejectReason.NotResting => "not-resting",
        RejectReason.NotOwner => "not-owner",
        RejectReason.ReduceOnlyNoPosition => "reduce-only-no-position",
        RejectReason.ProtectionFrozen => "market-maker-protection-frozen",
        RejectReason.InvalidOrder => "invalid-order",
        RejectReason.ExpiryInPast => "expiry-in-past",
        RejectReason.InvalidTrigger => "invalid-trigger",
        RejectReason.PostOnlyWouldCross => "post-only-would-cross",
        RejectReason.InvalidStatusTransition => "invalid-status-transition",
        RejectReason.UnknownTier => "unknown-tier",
        RejectReason.UnknownUnderlying => "unknown-underlying",
        RejectReason.InvalidProtectionSettings => "invalid-protection-settings",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown reject reason"),
    };

    public static string Code(this CancelReason reason) => reason switch
    {
        CancelReason.None => "none",
        CancelReason.UserRequested => "user-requested",
        CancelReason.MassCancel => "mass-cancel",
        CancelReason.ImmediateOrCancel => "immediate-or-cancel",
        CancelReason.FillOrKill => "fill-or-kill",
        CancelReason.PostOnlyWouldCross => "post-only-would-cross",
        CancelReason.SelfTradePrevention => "self-trade-prevention",
        CancelReason.ReduceOnly => "reduce-only",
        CancelReason.Expired => "expired",
        CancelReason.InstrumentExpired => "instrument-expired",
        CancelReason.MarketMakerProtection => "market-maker-protection",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown cancel reason"),
    };

    public static string Code(this MarketStatus status) => status switch
    {
        MarketStatus.PreOpen => "pre-open",
        MarketStatus.Open => "open",
        MarketStatus.Halted => "halted",
        MarketStatus.Expired => "expired",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown market status"),
    };

    public static string Code(this Side side) => side == Side.Buy ? "buy" : "sell";

    public static string Code(this SelfTradePrevention mode) => mode switch
    {
        SelfTradePrevention.CancelMaker => "cancel-maker",
        SelfTradePrevention.CancelTaker => "cancel-taker",
        SelfTradePrevention.CancelBoth => "cancel-both",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown self-trade prevention mode"),
    };
}
