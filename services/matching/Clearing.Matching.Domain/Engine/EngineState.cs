namespace Clearing.Matching.Domain;

/// <summary>
/// Everything a <see cref="MatchingEngine"/> needs to continue exactly where it was: clocks and counters, each market's
/// status and marks, every live order (resting ones in priority order, per market bids then asks, best level first,
/// head of a level first; then pending conditional ones), and each account in the order the engine first saw it with
/// its tier, positions, the order of its resting and pending lists and its protection windows. Pool slots, price
/// ladder windows and heap layout are not part of it: nothing the engine emits depends on them.
/// </summary>
public sealed record EngineState(
    long Now,
    long Sequence,
    long AcceptSequence,
    long RestSequence,
    IReadOnlyList<EngineMarketState> Markets,
    IReadOnlyList<EngineOrderState> Orders,
    IReadOnlyList<EngineAccountState> Accounts);

public sealed record EngineMarketState(MarketStatus Status, bool HasMark, long Mark, bool HasTriggerMark, long TriggerMark, long Delta);

/// <summary>A live order. <see cref="Pending"/>: a conditional order waiting for its trigger; otherwise resting.</summary>
public sealed record EngineOrderState(
    long Id,
    long Account,
    int Market,
    Side Side,
    OrderType Type,
    TimeInForce TimeInForce,
    SelfTradePrevention Stp,
    OrderFlags Flags,
    long Price,
    long Remaining,
    bool Pending,
    long TriggerPrice,
    long ExpireAt,
    long Sequence,
    long RestSequence);

/// <summary>
/// One account; <see cref="Positions"/> has one entry per market, <see cref="Protection"/> one per underlying (null = none).
/// The order-id lists give the account's own list order, which mass cancels and protection walk.
/// </summary>
public sealed record EngineAccountState(
    long Account,
    int Tier,
    IReadOnlyList<long> Positions,
    IReadOnlyList<long> RestingOrders,
    IReadOnlyList<long> PendingOrders,
    IReadOnlyList<EngineProtectionState?> Protection);

public sealed record EngineProtectionState(
    long Window,
    long QuantityLimit,
    long DeltaLimit,
    long Cooldown,
    long FrozenUntil,
    IReadOnlyList<EngineProtectionFill> Fills);

public readonly record struct EngineProtectionFill(long Time, long Quantity, Int128 Delta);
