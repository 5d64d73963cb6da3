using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Matching.Tests.Support;

/// <summary>Drives one engine with readable calls and keeps every event it emitted.</summary>
public sealed class EngineHarness(IMatchingEngine engine)
{
    public const int Btc = 0;
    public const int Eth = 1;
    public const int BtcFuture = 2;
    public const int BtcCall = 3;
    public const long FutureExpiry = 1_000_000;

    private readonly EventBuffer _buffer = new(64);

    public IMatchingEngine Engine { get; } = engine;
    public long Now { get; set; } = 1;
    public List<MatchEvent> All { get; } = [];

    /// <summary>BTC-PERP (tick 0.5, lot 0.001, two fee tiers), ETH-PERP, a BTC dated future and a BTC call.</summary>
    public static EngineConfig StandardConfig(int initialOrderCapacity = 1 << 12) => new()
    {
        FeeTierCount = 2,
        InitialOrderCapacity = initialOrderCapacity,
        Instruments =
        [
            new InstrumentSpec
            {
                Symbol = "BTC-PERP", Underlying = "BTC", TickSize = 0.5m, LotSize = 0.001m,
                FeeTiers = [new FeeRate(-100, 500), new FeeRate(-200, 300)], MaxOrderLots = 1_000_000,
            },
            InstrumentSpec.Perpetual("ETH-PERP", "ETH", 0.01m, 0.01m),
            InstrumentSpec.DatedFuture("BTC-FUT", "BTC", 0.5m, 0.001m, FutureExpiry),
            InstrumentSpec.OptionSeries("BTC-C-60000", "BTC", OptionRight.Call, 60000m, FutureExpiry, 0.1m, 0.1m),
        ],
    };

    public List<MatchEvent> Run(EngineCommand command)
    {
        _buffer.Clear();
        Engine.Process(command, _buffer);
        var events = _buffer.AsSpan().ToArray().ToList();
        All.AddRange(events);
        return events;
    }

    public List<MatchEvent> Buy(long id, long account, long price, long quantity, TimeInForce tif = TimeInForce.GoodTillCancel,
        OrderFlags flags = OrderFlags.None, SelfTradePrevention stp = SelfTradePrevention.CancelMaker, int market = Btc, long expireAt = 0) =>
        Run(EngineCommand.Limit(Now, market, id, account, Side.Buy, price, quantity, tif, flags, stp, expireAt));

    public List<MatchEvent> Sell(long id, long account, long price, long quantity, TimeInForce tif = TimeInForce.GoodTillCancel,
        OrderFlags flags = OrderFlags.None, SelfTradePrevention stp = SelfTradePrevention.CancelMaker, int market = Btc, long expireAt = 0) =>
        Run(EngineCommand.Limit(Now, market, id, account, Side.Sell, price, quantity, tif, flags, stp, expireAt));

    public List<MatchEvent> MarketOrder(long id, long account, Side side, long quantity, TimeInForce tif = TimeInForce.ImmediateOrCancel,
        OrderFlags flags = OrderFlags.None, SelfTradePrevention stp = SelfTradePrevention.CancelMaker, int market = Btc) =>
        Run(EngineCommand.MarketOrder(Now, market, id, account, side, quantity, tif, flags, stp));

    public List<MatchEvent> Conditional(long id, long account, Side side, OrderType type, long trigger, long price, long quantity,
        OrderFlags flags = OrderFlags.None, int market = Btc, TimeInForce tif = TimeInForce.GoodTillCancel, long expireAt = 0) =>
        Run(EngineCommand.Conditional(Now, market, id, account, side, type, trigger, price, quantity, tif, flags, expireAt: expireAt));

    public List<MatchEvent> Cancel(long id, long account, int market = Btc) => Run(EngineCommand.Cancel(Now, market, id, account));

    public List<MatchEvent> Amend(long id, long account, long price, long quantity, int market = Btc) =>
        Run(EngineCommand.Amend(Now, market, id, account, price, quantity));

    public List<MatchEvent> MassCancel(long account, int market = -1) => Run(EngineCommand.MassCancel(Now, account, market));

    public List<MatchEvent> Mark(long price, int market = Btc, long delta = 0) => Run(EngineCommand.MarkPrice(Now, market, price, delta));

    public List<MatchEvent> Status(MarketStatus status, int market = Btc) => Run(EngineCommand.MarketStatusChange(Now, market, status));

    public List<MatchEvent> Tier(long account, int tier) => Run(EngineCommand.AccountTier(Now, account, tier));

    public List<MatchEvent> AdvanceTo(long time)
    {
        Now = time;
        return Run(EngineCommand.AdvanceTime(time));
    }

    public BookSnapshot Book(int market = Btc) => Engine.Book(market);

    public List<(long Id, long Price, long Remaining)> Bids(int market = Btc) =>
        Book(market).Bids.Select(b => (b.OrderId, b.Price, b.Remaining)).ToList();

    public List<(long Id, long Price, long Remaining)> Asks(int market = Btc) =>
        Book(market).Asks.Select(b => (b.OrderId, b.Price, b.Remaining)).ToList();
}

public static class EventListExtensions
{
    public static List<EventKind> Kinds(this IEnumerable<MatchEvent> events) => events.Select(e => e.Kind).ToList();

    /// <summary>(taker, maker, price, quantity) of each fill.</summary>
    public static List<(long Taker, long Maker, long Price, long Quantity)> Fills(this IEnumerable<MatchEvent> events) =>
        events.Where(e => e.Kind == EventKind.Filled).Select(e => (e.OrderId, e.CounterOrderId, e.Price, e.Quantity)).ToList();

    public static List<(long Id, CancelReason Reason, long Quantity)> Cancels(this IEnumerable<MatchEvent> events) =>
        events.Where(e => e.Kind == EventKind.Cancelled).Select(e => (e.OrderId, e.CancelReason, e.Remaining)).ToList();

    public static MatchEvent Single(this IEnumerable<MatchEvent> events, EventKind kind) => events.Single(e => e.Kind == kind);

    public static RejectReason Rejection(this IEnumerable<MatchEvent> events) => events.Single(e => e.Kind == EventKind.Rejected).RejectReason;
}
