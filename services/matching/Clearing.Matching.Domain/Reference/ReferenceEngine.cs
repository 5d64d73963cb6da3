using System.Numerics;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Matching.Domain.Reference;

/// <summary>
/// The obviously-correct book: sorted dictionaries of FIFO lists, LINQ, classes, BigInteger fees. Slow on purpose
/// of being simple. It shares no code with <see cref="MatchingEngine"/> beyond the public types, and the shared
/// test suite plus a randomized differential test hold the fast engine to it event for event.
/// </summary>
public sealed class ReferenceEngine : IMatchingEngine
{
    private sealed class Order
    {
        public long Id;
        public long Account;
        public int Market;
        public Side Side;
        public OrderType Type;
        public TimeInForce Tif;
        public SelfTradePrevention Stp;
        public OrderFlags Flags;
        public long Price;
        public long Remaining;
        public long TriggerPrice;
        public long ExpireAt;
        public long Sequence;
        public long RestSequence;
        public bool Pending;

        public bool Is(OrderFlags flag) => (Flags & flag) != 0;

        public bool IsGoodTillTime => Tif == TimeInForce.GoodTillTime;
    }

    private sealed class Market(InstrumentSpec spec, int index, int underlying)
    {
        public InstrumentSpec Spec { get; } = spec;
        public int Index { get; } = index;
        public int Underlying { get; } = underlying;
        public MarketStatus Status = spec.InitialStatus;
        public long? Mark;
        public long? TriggerMark;
        public long Delta = spec.Kind == InstrumentKind.Option ? 0 : 10_000;
        // Bids: highest price first; asks: lowest first. Within a price, list order is time priority.
        public SortedDictionary<long, List<Order>> Bids { get; } = new(Comparer<long>.Create((a, b) => b.CompareTo(a)));
        public SortedDictionary<long, List<Order>> Asks { get; } = new();
        public List<Order> Pending { get; } = [];

        public SortedDictionary<long, List<Order>> SideOf(Side side) => side == Side.Buy ? Bids : Asks;

        public SortedDictionary<long, List<Order>> Opposite(Side side) => side == Side.Buy ? Asks : Bids;
    }

    private sealed class Protection
    {
        public required long Window;
        public required long QuantityLimit;
        public required long DeltaLimit;
        public required long Cooldown;
        public long FrozenUntil = long.MinValue;
        public readonly List<(long Time, long Quantity, Int128 Delta)> Fills = [];
    }

    private readonly Market[] _markets;
    private readonly int _underlyings;
    private readonly Dictionary<long, Order> _live = [];
    // Good-till-time orders among the live ones, so the expiry check does not walk every order on every command.
    private readonly HashSet<Order> _expiring = [];
    private readonly Dictionary<(long Account, int Market), long> _positions = [];
    private readonly Dictionary<long, int> _tiers = [];
    private readonly Dictionary<(long Account, int Underlying), Protection> _protections = [];
    private readonly List<(long Account, int Underlying, int Market)> _breaches = [];
    private long _now = long.MinValue;
    private long _sequence;
    private long _acceptSequence;
    private long _restSequence;
    private EventBuffer _output = new(16);

    public ReferenceEngine(EngineConfig config)
    {
        config.Validate();
        Config = config;
        var underlyings = config.Underlyings;
        _underlyings = underlyings.Count;
        _markets = config.Instruments
            .Select((spec, i) => new Market(spec, i, underlyings.ToList().IndexOf(spec.Underlying)))
            .ToArray();
    }

    public EngineConfig Config { get; }

    public void Process(in EngineCommand command, EventBuffer output)
    {
        _output = output;
        _now = Math.Max(_now, command.Timestamp);
        RunDeadlines();
        var c = command;
        switch (c.Kind)
        {
            case CommandKind.Place: Place(c); break;
            case CommandKind.Cancel: Cancel(c); break;
            case CommandKind.Amend: Amend(c); break;
            case CommandKind.MassCancel: MassCancel(c); break;
            case CommandKind.SetMarkPrice: SetMark(c); break;
            case CommandKind.SetMarketStatus: SetStatus(c); break;
            case CommandKind.SetAccountTier: SetTier(c); break;
            case CommandKind.ConfigureProtection: ConfigureProtection(c); break;
            case CommandKind.AdvanceTime: break;
            default: throw new ArgumentOutOfRangeException(nameof(command), c.Kind, "unknown command kind");
        }
        FireProtection();
    }

    // ───────────── orders ─────────────

    private void Place(EngineCommand c)
    {
        var reason = Validate(c, out var quantity);
        if (reason != RejectReason.None)
        {
            Reject(c, reason);
            return;
        }
        var m = _markets[c.Market];
        var order = new Order
        {
            Id = c.OrderId, Account = c.Account, Market = c.Market, Side = c.Side, Type = c.Type, Tif = c.TimeInForce, Stp = c.Stp,
            Flags = c.Flags, Price = c.Type.IsLimitPriced() ? c.Price : 0, Remaining = quantity,
            TriggerPrice = c.Type.IsConditional() ? c.TriggerPrice : 0,
            ExpireAt = c.TimeInForce == TimeInForce.GoodTillTime ? c.ExpireAt : 0, Sequence = ++_acceptSequence,
        };
        Emit(new MatchEvent
        {
            Kind = EventKind.Accepted, Market = order.Market, OrderId = order.Id, Account = order.Account, Side = order.Side,
            OrderType = order.Type, TimeInForce = order.Tif, Stp = order.Stp, Flags = order.Flags, Price = order.Price,
            Quantity = order.Remaining, Aux = order.TriggerPrice, ExpireAt = order.ExpireAt,
        });
        if (!order.Type.IsConditional())
        {
            Enter(order, m);
        }
        else if (m.TriggerMark is { } mark && Satisfied(order, mark))
        {
            Trigger(order, m);
        }
        else
        {
            order.Pending = true;
            m.Pending.Add(order);
            AddLive(order);
        }
    }

    private RejectReason Validate(EngineCommand c, out long quantity)
    {
        quantity = c.Quantity;
        if (c.Market < 0 || c.Market >= _markets.Length)
        {
            return RejectReason.UnknownMarket;
        }
        var m = _markets[c.Market];
        var spec = m.Spec;
        var isMarket = !c.Type.IsLimitPriced();
        var rules = new (bool Broken, RejectReason Reason)[]
        {
            (m.Status == MarketStatus.Expired, RejectReason.MarketExpired),
            (m.Status == MarketStatus.Halted, RejectReason.MarketHalted),
            (m.Status == MarketStatus.PreOpen, RejectReason.MarketNotOpen),
            (_live.ContainsKey(c.OrderId), RejectReason.DuplicateOrderId),
            ((c.Flags & OrderFlags.PostOnly) != 0 && (isMarket || c.TimeInForce is TimeInForce.ImmediateOrCancel or TimeInForce.FillOrKill), RejectReason.InvalidOrder),
            (!Enum.IsDefined(c.Type) || !Enum.IsDefined(c.Side) || !Enum.IsDefined(c.TimeInForce) || !Enum.IsDefined(c.Stp), RejectReason.InvalidOrder),
            (c.Quantity <= 0, RejectReason.NonPositiveQuantity),
            (c.Quantity < spec.MinOrderLots, RejectReason.BelowMinSize),
            (c.Quantity > spec.MaxOrderLots, RejectReason.AboveMaxSize),
            (!isMarket && c.Price <= 0, RejectReason.NonPositivePrice),
            (!isMarket && c.Price > spec.MaxPriceTicks, RejectReason.PriceOutOfRange),
            (!isMarket && OutsideBand(c.Price, m), RejectReason.PriceOutsideBand),
            (c.Type.IsConditional() && (c.TriggerPrice <= 0 || c.TriggerPrice > spec.MaxPriceTicks), RejectReason.InvalidTrigger),
            (c.TimeInForce == TimeInForce.GoodTillTime && c.ExpireAt <= _now, RejectReason.ExpiryInPast),
            ((c.Flags & OrderFlags.Quote) != 0 && Frozen(c.Account, m), RejectReason.ProtectionFrozen),
            ((c.Flags & OrderFlags.ReduceOnly) != 0 && !c.Type.IsConditional() && Capacity(c.Account, m, c.Side) == 0, RejectReason.ReduceOnlyNoPosition),
        };
        var broken = rules.FirstOrDefault(r => r.Broken);
        if (broken.Broken)
        {
            return broken.Reason;
        }
        if ((c.Flags & OrderFlags.ReduceOnly) != 0 && !c.Type.IsConditional())
        {
            quantity = Math.Min(quantity, Capacity(c.Account, m, c.Side));
        }
        return RejectReason.None;
    }

    private static bool OutsideBand(long price, Market m)
    {
        if (m.Spec.PriceBandBps == 0 || m.Mark is not { } mark)
        {
            return false;
        }
        var width = mark * m.Spec.PriceBandBps / 10_000;
        return price < mark - width || price > mark + width;
    }

    private void Enter(Order order, Market m)
    {
        if (order.Is(OrderFlags.PostOnly) && BestOpposite(order, m) is { } best && Crosses(order, best))
        {
            Cancelled(order, CancelReason.PostOnlyWouldCross);
            Forget(order);
            return;
        }
        if (order.Tif == TimeInForce.FillOrKill && !FillableInFull(order, m))
        {
            Cancelled(order, CancelReason.FillOrKill);
            Forget(order);
            return;
        }
        var stopped = false;
        while (order.Remaining > 0)
        {
            var maker = FirstInPriority(m.Opposite(order.Side));
            if (maker is null || !Crosses(order, maker.Price))
            {
                break;
            }
            if (maker.Account == order.Account)
            {
                if (order.Stp != SelfTradePrevention.CancelTaker)
                {
                    Cancelled(maker, CancelReason.SelfTradePrevention);
                    RemoveResting(maker);
                }
                if (order.Stp != SelfTradePrevention.CancelMaker)
                {
                    stopped = true;
                    break;
                }
                continue;
            }
            var quantity = Math.Min(order.Remaining, maker.Remaining);
            if (maker.Is(OrderFlags.ReduceOnly))
            {
                var capacity = Capacity(maker.Account, m, maker.Side);
                if (capacity == 0)
                {
                    Cancelled(maker, CancelReason.ReduceOnly);
                    RemoveResting(maker);
                    continue;
                }
                quantity = Math.Min(quantity, capacity);
            }
            Trade(order, maker, quantity, m);
            if (maker.Remaining == 0)
            {
                RemoveResting(maker);
            }
            else if (maker.Is(OrderFlags.ReduceOnly) && Capacity(maker.Account, m, maker.Side) == 0)
            {
                Cancelled(maker, CancelReason.ReduceOnly);
                RemoveResting(maker);
            }
        }
        if (order.Remaining == 0)
        {
            Forget(order);
        }
        else if (stopped)
        {
            Cancelled(order, CancelReason.SelfTradePrevention);
            Forget(order);
        }
        else if (!order.Type.IsLimitPriced() || order.Tif is TimeInForce.ImmediateOrCancel or TimeInForce.FillOrKill)
        {
            Cancelled(order, CancelReason.ImmediateOrCancel);
            Forget(order);
        }
        else
        {
            Rest(order, m);
        }
    }

    /// <summary>Would matching right now fill the whole order? Same walk as matching, without touching anything.</summary>
    private bool FillableInFull(Order order, Market m)
    {
        var available = 0L;
        var reduceOnlyUsed = new Dictionary<long, long>();
        foreach (var maker in m.Opposite(order.Side).SelectMany(level => level.Value).TakeWhile(o => Crosses(order, o.Price)))
        {
            if (maker.Account == order.Account)
            {
                if (order.Stp == SelfTradePrevention.CancelMaker)
                {
                    continue;
                }
                return false;
            }
            var quantity = maker.Remaining;
            if (maker.Is(OrderFlags.ReduceOnly))
            {
                var used = reduceOnlyUsed.GetValueOrDefault(maker.Account);
                quantity = Math.Min(quantity, Math.Max(0, Capacity(maker.Account, m, maker.Side) - used));
                reduceOnlyUsed[maker.Account] = used + quantity;
            }
            available += quantity;
            if (available >= order.Remaining)
            {
                return true;
            }
        }
        return false;
    }

    private static bool Crosses(Order taker, long makerPrice) =>
        !taker.Type.IsLimitPriced() || (taker.Side == Side.Buy ? makerPrice <= taker.Price : makerPrice >= taker.Price);

    private static long? BestOpposite(Order order, Market m) => FirstInPriority(m.Opposite(order.Side))?.Price;

    private static Order? FirstInPriority(SortedDictionary<long, List<Order>> side) =>
        side.Count == 0 ? null : side.First().Value[0];

    private void Trade(Order taker, Order maker, long quantity, Market m)
    {
        taker.Remaining -= quantity;
        maker.Remaining -= quantity;
        var signed = taker.Side == Side.Buy ? quantity : -quantity;
        AddPosition(taker.Account, m.Index, signed);
        AddPosition(maker.Account, m.Index, -signed);
        Emit(new MatchEvent
        {
            Kind = EventKind.Filled, Market = m.Index, OrderId = taker.Id, Account = taker.Account, Side = taker.Side,
            OrderType = taker.Type, Price = maker.Price, Quantity = quantity, Remaining = taker.Remaining,
            CounterOrderId = maker.Id, CounterAccount = maker.Account, CounterRemaining = maker.Remaining,
            MakerFee = Fee(m.Spec, maker.Price, quantity, m.Spec.FeeFor(_tiers.GetValueOrDefault(maker.Account)).MakerMillionths),
            TakerFee = Fee(m.Spec, maker.Price, quantity, m.Spec.FeeFor(_tiers.GetValueOrDefault(taker.Account)).TakerMillionths),
        });
        if (taker.Is(OrderFlags.Quote))
        {
            RecordQuoteFill(taker.Account, m, quantity, taker.Side);
        }
        if (maker.Is(OrderFlags.Quote))
        {
            RecordQuoteFill(maker.Account, m, quantity, maker.Side);
        }
    }

    /// <summary>ceiling(price × tick × quantity × lot × rate / 10^6 × 10^FeeDecimals), computed with unbounded integers.</summary>
    private static long Fee(InstrumentSpec spec, long priceTicks, long lots, int rateMillionths)
    {
        var (tickUnits, tickScale) = AsInteger(spec.TickSize);
        var (lotUnits, lotScale) = AsInteger(spec.LotSize);
        var numerator = priceTicks * tickUnits * lots * lotUnits * rateMillionths * BigInteger.Pow(10, spec.FeeDecimals);
        var denominator = BigInteger.Pow(10, tickScale + lotScale + 6);
        var quotient = BigInteger.Divide(numerator, denominator);
        if (numerator.Sign > 0 && quotient * denominator != numerator)
        {
            quotient += 1;
        }
        return (long)quotient;
    }

    private static (BigInteger Units, int Scale) AsInteger(decimal value)
    {
        var scale = 0;
        while (decimal.Truncate(value) != value)
        {
            value *= 10;
            scale++;
        }
        return (new BigInteger(value), scale);
    }

    private void Rest(Order order, Market m)
    {
        var side = m.SideOf(order.Side);
        if (!side.TryGetValue(order.Price, out var level))
        {
            side[order.Price] = level = [];
        }
        level.Add(order);
        if (!_live.ContainsKey(order.Id))
        {
            order.RestSequence = ++_restSequence;
            AddLive(order);
        }
        Emit(new MatchEvent
        {
            Kind = EventKind.Rested, Market = order.Market, OrderId = order.Id, Account = order.Account, Side = order.Side,
            OrderType = order.Type, Price = order.Price, Remaining = order.Remaining, Flags = order.Flags,
        });
    }

    /// <summary>Takes a resting order out of the book and out of the live set.</summary>
    private void RemoveResting(Order order)
    {
        TakeOutOfLevel(order);
        Forget(order);
    }

    private void TakeOutOfLevel(Order order)
    {
        var side = _markets[order.Market].SideOf(order.Side);
        var level = side[order.Price];
        level.Remove(order);
        if (level.Count == 0)
        {
            side.Remove(order.Price);
        }
    }

    private void AddLive(Order order)
    {
        _live.Add(order.Id, order);
        if (order.IsGoodTillTime)
        {
            _expiring.Add(order);
        }
    }

    private void Forget(Order order)
    {
        if (_live.TryGetValue(order.Id, out var live) && ReferenceEquals(live, order))
        {
            _live.Remove(order.Id);
            _expiring.Remove(order);
        }
    }

    private void Cancel(EngineCommand c)
    {
        if (c.Market < 0 || c.Market >= _markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket);
            return;
        }
        if (!_live.TryGetValue(c.OrderId, out var order) || order.Market != c.Market)
        {
            Reject(c, RejectReason.NotResting);
            return;
        }
        if (order.Account != c.Account)
        {
            Reject(c, RejectReason.NotOwner);
            return;
        }
        CancelLive(order, CancelReason.UserRequested);
    }

    private void CancelLive(Order order, CancelReason reason)
    {
        Cancelled(order, reason);
        if (order.Pending)
        {
            _markets[order.Market].Pending.Remove(order);
            Forget(order);
        }
        else
        {
            RemoveResting(order);
        }
    }

    private void Amend(EngineCommand c)
    {
        if (c.Market < 0 || c.Market >= _markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket);
            return;
        }
        var m = _markets[c.Market];
        var status = m.Status switch
        {
            MarketStatus.Expired => RejectReason.MarketExpired,
            MarketStatus.Halted => RejectReason.MarketHalted,
            MarketStatus.PreOpen => RejectReason.MarketNotOpen,
            _ => RejectReason.None,
        };
        if (status != RejectReason.None)
        {
            Reject(c, status);
            return;
        }
        if (!_live.TryGetValue(c.OrderId, out var order) || order.Market != c.Market || order.Pending)
        {
            Reject(c, RejectReason.NotResting);
            return;
        }
        var quantity = c.Quantity;
        var rules = new (bool Broken, RejectReason Reason)[]
        {
            (order.Account != c.Account, RejectReason.NotOwner),
            (quantity <= 0, RejectReason.NonPositiveQuantity),
            (quantity < m.Spec.MinOrderLots, RejectReason.BelowMinSize),
            (quantity > m.Spec.MaxOrderLots, RejectReason.AboveMaxSize),
            (c.Price <= 0, RejectReason.NonPositivePrice),
            (c.Price > m.Spec.MaxPriceTicks, RejectReason.PriceOutOfRange),
            (OutsideBand(c.Price, m), RejectReason.PriceOutsideBand),
            (order.Is(OrderFlags.ReduceOnly) && Capacity(order.Account, m, order.Side) == 0, RejectReason.ReduceOnlyNoPosition),
        };
        var broken = rules.FirstOrDefault(r => r.Broken);
        if (broken.Broken)
        {
            Reject(c, broken.Reason);
            return;
        }
        if (order.Is(OrderFlags.ReduceOnly))
        {
            quantity = Math.Min(quantity, Capacity(order.Account, m, order.Side));
        }
        if (c.Price == order.Price && quantity <= order.Remaining)
        {
            order.Remaining = quantity;
            Amended(order, keptPriority: true);
            return;
        }
        var probe = new Order { Side = order.Side, Type = OrderType.Limit, Price = c.Price };
        if (order.Is(OrderFlags.PostOnly) && BestOpposite(order, m) is { } best && Crosses(probe, best))
        {
            Reject(c, RejectReason.PostOnlyWouldCross);
            return;
        }
        TakeOutOfLevel(order);
        order.Price = c.Price;
        order.Remaining = quantity;
        Amended(order, keptPriority: false);
        Enter(order, m);
    }

    private void MassCancel(EngineCommand c)
    {
        if (c.Market != -1 && (c.Market < 0 || c.Market >= _markets.Length))
        {
            Reject(c, RejectReason.UnknownMarket);
            return;
        }
        var mine = _live.Values.Where(o => o.Account == c.Account && (c.Market == -1 || o.Market == c.Market)).ToList();
        foreach (var order in mine.Where(o => !o.Pending).OrderBy(o => o.RestSequence))
        {
            CancelLive(order, CancelReason.MassCancel);
        }
        foreach (var order in mine.Where(o => o.Pending).OrderBy(o => o.Sequence))
        {
            CancelLive(order, CancelReason.MassCancel);
        }
    }

    // ───────────── conditional orders ─────────────

    private static bool Satisfied(Order order, long mark) =>
        order.Type.TriggersOnRise(order.Side) ? mark >= order.TriggerPrice : mark <= order.TriggerPrice;

    private void SetMark(EngineCommand c)
    {
        if (c.Market < 0 || c.Market >= _markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket);
            return;
        }
        if (c.Price <= 0)
        {
            Reject(c, RejectReason.NonPositivePrice);
            return;
        }
        var m = _markets[c.Market];
        m.Mark = c.Price;
        if (m.Spec.Kind == InstrumentKind.Option)
        {
            m.Delta = c.Delta;
        }
        if (m.Status == MarketStatus.Open)
        {
            EvaluateTriggers(m);
        }
    }

    private void EvaluateTriggers(Market m)
    {
        var mark = m.Mark!.Value;
        var satisfied = m.Pending.Where(o => Satisfied(o, mark));
        var fired = m.TriggerMark switch
        {
            // The mark's path from the previous evaluation passes lower triggers first when rising, higher when falling.
            { } previous when mark > previous => satisfied.OrderBy(o => o.TriggerPrice).ThenBy(o => o.Sequence).ToList(),
            { } previous when mark < previous => satisfied.OrderByDescending(o => o.TriggerPrice).ThenBy(o => o.Sequence).ToList(),
            { } => [],
            null => satisfied.OrderBy(o => o.Sequence).ToList(),
        };
        m.TriggerMark = mark;
        foreach (var order in fired)
        {
            m.Pending.Remove(order);
            Forget(order);
            order.Pending = false;
            Trigger(order, m);
        }
    }

    private void Trigger(Order order, Market m)
    {
        var capacity = order.Is(OrderFlags.ReduceOnly) ? Capacity(order.Account, m, order.Side) : long.MaxValue;
        if (capacity > 0)
        {
            order.Remaining = Math.Min(order.Remaining, capacity);
        }
        Emit(new MatchEvent
        {
            Kind = EventKind.Triggered, Market = order.Market, OrderId = order.Id, Account = order.Account, Side = order.Side,
            OrderType = order.Type, Price = order.Price, Quantity = order.Remaining, Aux = order.TriggerPrice,
        });
        if (capacity == 0)
        {
            Cancelled(order, CancelReason.ReduceOnly);
        }
        else if (order.Is(OrderFlags.Quote) && Frozen(order.Account, m))
        {
            Cancelled(order, CancelReason.MarketMakerProtection);
        }
        else
        {
            Enter(order, m);
        }
    }

    // ───────────── markets, tiers, protection ─────────────

    private void SetStatus(EngineCommand c)
    {
        if (c.Market < 0 || c.Market >= _markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket);
            return;
        }
        var m = _markets[c.Market];
        var allowed = m.Status != MarketStatus.Expired && (c.Status == MarketStatus.Expired
            || (m.Status, c.Status) is (MarketStatus.PreOpen, MarketStatus.Open) or (MarketStatus.PreOpen, MarketStatus.Halted)
                or (MarketStatus.Open, MarketStatus.Halted) or (MarketStatus.Halted, MarketStatus.Open));
        if (!allowed)
        {
            Reject(c, RejectReason.InvalidStatusTransition);
            return;
        }
        ChangeStatus(m, c.Status);
    }

    private void ChangeStatus(Market m, MarketStatus status)
    {
        m.Status = status;
        Emit(new MatchEvent { Kind = EventKind.MarketStatusChanged, Market = m.Index, Status = status });
        if (status == MarketStatus.Expired)
        {
            var resting = m.Bids.Values.SelectMany(l => l).Concat(m.Asks.Values.SelectMany(l => l)).ToList();
            foreach (var order in resting)
            {
                CancelLive(order, CancelReason.InstrumentExpired);
            }
            foreach (var order in m.Pending.OrderBy(o => o.Sequence).ToList())
            {
                CancelLive(order, CancelReason.InstrumentExpired);
            }
        }
        else if (status == MarketStatus.Open && m.Mark is not null)
        {
            EvaluateTriggers(m);
        }
    }

    private void SetTier(EngineCommand c)
    {
        if (c.Quantity < 0 || c.Quantity >= Config.FeeTierCount)
        {
            Reject(c, RejectReason.UnknownTier);
            return;
        }
        _tiers[c.Account] = c.Tier;
    }

    private void ConfigureProtection(EngineCommand c)
    {
        if (c.Market < 0 || c.Market >= _underlyings)
        {
            Reject(c, RejectReason.UnknownUnderlying);
            return;
        }
        if (c.ProtectionWindow <= 0 || c.ProtectionQuantityLimit < 0 || c.ProtectionDeltaLimit < 0 || c.ProtectionCooldown < 0)
        {
            Reject(c, RejectReason.InvalidProtectionSettings);
            return;
        }
        _protections[(c.Account, c.Market)] = new Protection
        {
            Window = c.ProtectionWindow, QuantityLimit = c.ProtectionQuantityLimit, DeltaLimit = c.ProtectionDeltaLimit,
            Cooldown = c.ProtectionCooldown,
        };
    }

    private bool Frozen(long account, Market m) =>
        _protections.TryGetValue((account, m.Underlying), out var p) && _now < p.FrozenUntil;

    private void RecordQuoteFill(long account, Market m, long lots, Side side)
    {
        if (!_protections.TryGetValue((account, m.Underlying), out var p))
        {
            return;
        }
        p.Fills.RemoveAll(f => _now - f.Time >= p.Window);
        var quantity = lots * m.Spec.LotNanoUnits;
        var delta = (Int128)quantity * m.Delta * (side == Side.Buy ? 1 : -1);
        p.Fills.Add((_now, quantity, delta));
        var totalQuantity = p.Fills.Sum(f => f.Quantity);
        var netDelta = p.Fills.Aggregate(Int128.Zero, (sum, f) => sum + f.Delta);
        var breached = (p.QuantityLimit > 0 && totalQuantity > p.QuantityLimit)
            || (p.DeltaLimit > 0 && Int128.Abs(netDelta) > (Int128)p.DeltaLimit * 10_000);
        if (breached && !_breaches.Any(b => b.Account == account && b.Underlying == m.Underlying))
        {
            _breaches.Add((account, m.Underlying, m.Index));
        }
    }

    private void FireProtection()
    {
        foreach (var (account, underlying, market) in _breaches)
        {
            var p = _protections[(account, underlying)];
            p.FrozenUntil = _now + p.Cooldown;
            p.Fills.Clear();
            Emit(new MatchEvent { Kind = EventKind.ProtectionTriggered, Market = market, Account = account, Aux = p.FrozenUntil });
            var quotes = _live.Values
                .Where(o => !o.Pending && o.Account == account && o.Is(OrderFlags.Quote) && _markets[o.Market].Underlying == underlying)
                .OrderBy(o => o.RestSequence)
                .ToList();
            foreach (var order in quotes)
            {
                CancelLive(order, CancelReason.MarketMakerProtection);
            }
        }
        _breaches.Clear();
    }

    // ───────────── time ─────────────

    private void RunDeadlines()
    {
        while (true)
        {
            var order = _expiring.Where(o => o.ExpireAt <= _now)
                .OrderBy(o => o.ExpireAt).ThenBy(o => o.Sequence).FirstOrDefault();
            var market = _markets.Where(m => m.Status != MarketStatus.Expired && m.Spec.ExpiresAt <= _now)
                .OrderBy(m => m.Spec.ExpiresAt).ThenBy(m => m.Index).FirstOrDefault();
            if (order is null && market is null)
            {
                return;
            }
            if (order is not null && (market is null || order.ExpireAt <= market.Spec.ExpiresAt))
            {
                CancelLive(order, CancelReason.Expired);
            }
            else
            {
                ChangeStatus(market!, MarketStatus.Expired);
            }
        }
    }

    // ───────────── positions and events ─────────────

    private long Capacity(long account, Market m, Side side)
    {
        var position = _positions.GetValueOrDefault((account, m.Index));
        return side == Side.Buy ? Math.Max(0, -position) : Math.Max(0, position);
    }

    private void AddPosition(long account, int market, long delta) =>
        _positions[(account, market)] = _positions.GetValueOrDefault((account, market)) + delta;

    private void Emit(MatchEvent e)
    {
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        _output.Append() = e;
    }

    private void Reject(EngineCommand c, RejectReason reason) => Emit(new MatchEvent
    {
        Kind = EventKind.Rejected, Command = c.Kind, RejectReason = reason, Market = c.Market, OrderId = c.OrderId,
        Account = c.Account, Side = c.Side, OrderType = c.Type, Price = c.Price, Quantity = c.Quantity,
    });

    private void Cancelled(Order order, CancelReason reason) => Emit(new MatchEvent
    {
        Kind = EventKind.Cancelled, CancelReason = reason, Market = order.Market, OrderId = order.Id, Account = order.Account,
        Side = order.Side, OrderType = order.Type, Price = order.Price, Remaining = order.Remaining,
    });

    private void Amended(Order order, bool keptPriority) => Emit(new MatchEvent
    {
        Kind = EventKind.Amended, Market = order.Market, OrderId = order.Id, Account = order.Account, Side = order.Side,
        OrderType = order.Type, Price = order.Price, Quantity = order.Remaining, KeptPriority = keptPriority,
    });

    // ───────────── inspection ─────────────

    public BookSnapshot Book(int market)
    {
        var m = _markets[market];
        static BookEntry Entry(Order o) => new(o.Id, o.Account, o.Side, o.Price, o.Remaining, o.Flags);
        return new BookSnapshot(market, m.Status, m.Mark,
            m.Bids.Values.SelectMany(l => l).Select(Entry).ToList(),
            m.Asks.Values.SelectMany(l => l).Select(Entry).ToList(),
            m.Pending.OrderBy(o => o.Sequence)
                .Select(o => new ConditionalEntry(o.Id, o.Account, o.Side, o.Type, o.TriggerPrice, o.Price, o.Remaining)).ToList());
    }

    public long Position(long account, int market) => _positions.GetValueOrDefault((account, market));

    public ulong StateHash()
    {
        var h = new StateHasher();
        h.Add(_now);
        h.Add(_sequence);
        h.Add(_acceptSequence);
        h.Add(_restSequence);
        foreach (var m in _markets)
        {
            h.Add(m.Index);
            h.Add((long)m.Status);
            h.Add(m.Mark ?? -1);
            h.Add(m.TriggerMark ?? -1);
            h.Add(m.Delta);
            foreach (var side in new[] { m.Bids, m.Asks })
            {
                foreach (var o in side.Values.SelectMany(l => l))
                {
                    HashOrder(h, o);
                }
                h.Add(-2);
            }
            foreach (var o in m.Pending.OrderBy(o => o.Sequence))
            {
                HashOrder(h, o);
            }
            h.Add(-3);
        }
        var accounts = _positions.Where(p => p.Value != 0).Select(p => p.Key.Account)
            .Concat(_tiers.Where(t => t.Value != 0).Select(t => t.Key))
            .Concat(_protections.Keys.Select(k => k.Account))
            .Distinct().Order();
        foreach (var account in accounts)
        {
            h.Add(account);
            h.Add(_tiers.GetValueOrDefault(account));
            foreach (var m in _markets.Where(m => _positions.GetValueOrDefault((account, m.Index)) != 0))
            {
                h.Add(m.Index);
                h.Add(_positions[(account, m.Index)]);
            }
            foreach (var u in Enumerable.Range(0, _underlyings).Where(u => _protections.ContainsKey((account, u))))
            {
                var p = _protections[(account, u)];
                h.Add(u);
                h.Add(p.Window);
                h.Add(p.QuantityLimit);
                h.Add(p.DeltaLimit);
                h.Add(p.Cooldown);
                h.Add(p.FrozenUntil);
                foreach (var (time, quantity, delta) in p.Fills)
                {
                    h.Add(time);
                    h.Add(quantity);
                    h.Add(delta);
                }
            }
            h.Add(-4);
        }
        return h.Value;
    }

    private static void HashOrder(StateHasher h, Order o) =>
        h.AddOrder(o.Id, o.Account, o.Side, o.Type, o.Tif, o.Stp, o.Flags, o.Price, o.Remaining, o.TriggerPrice, o.ExpireAt,
            o.Sequence, o.RestSequence);
}
