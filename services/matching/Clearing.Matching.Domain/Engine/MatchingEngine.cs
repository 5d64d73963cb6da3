using System.Runtime.CompilerServices;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Matching.Domain;

/// <summary>
/// The fast engine: single-threaded, allocation-free once its pools are warm. Orders live in one pre-allocated
/// struct pool and are linked intrusively into their price level, their account's list and (good-till-time) an
/// indexed expiry heap; price levels per side sit in arrays sorted worst → best so the best price is O(1).
/// Semantics are documented on <see cref="IMatchingEngine"/> and checked against <see cref="Reference.ReferenceEngine"/>.
/// </summary>
public sealed partial class MatchingEngine : IMatchingEngine
{
    private const int None = -1;
    private const long FuturesDelta = 10_000;

    private readonly MarketState[] _markets;
    private readonly int _underlyingCount;
    private readonly LongIntMap _orderIndex;
    private readonly LongIntMap _accountIndex;

    private OrderSlot[] _orders;
    private OrderCold[] _cold;
    private int _freeOrder = None;
    private int _orderCount;
    private LevelSlot[] _levels;
    private int _freeLevel = None;
    private int _levelCount;

    private long[] _accountIds;
    private int[] _tiers;
    private int[] _restHead;
    private int[] _restTail;
    private int[] _pendingHead;
    private int[] _pendingTail;
    private long[] _positions;
    private ProtectionState?[] _protection;
    private int _accounts;

    private int[] _heap;
    private int _heapCount;

    private long _now = long.MinValue;
    private long _nextDeadline;
    private long _sequence;
    private long _acceptSequence;
    private long _restSequence;

    private ProtectionState[] _protectionBreaches = new ProtectionState[8];
    private int _protectionBreachCount;
    private int[] _scratchSlots = new int[64];
    private long[] _scratchKeys = new long[64];
    private int[] _reduceOnlyAccounts = new int[16];
    private long[] _reduceOnlyUsed = new long[16];

    public MatchingEngine(EngineConfig config)
    {
        config.Validate();
        Config = config;
        var underlyings = config.Underlyings;
        _underlyingCount = underlyings.Count;
        _markets = new MarketState[config.Instruments.Count];
        for (var i = 0; i < _markets.Length; i++)
        {
            var spec = config.Instruments[i];
            var tiers = Enumerable.Range(0, config.FeeTierCount).Select(spec.FeeFor).ToArray();
            _markets[i] = new MarketState
            {
                Spec = spec,
                Index = i,
                Underlying = config.UnderlyingIndexOf(i),
                Fees = FeeScale.For(spec),
                MakerRates = tiers.Select(t => t.MakerMillionths).ToArray(),
                TakerRates = tiers.Select(t => t.TakerMillionths).ToArray(),
                PriceBandBps = spec.PriceBandBps,
                LotNanoUnits = spec.LotNanoUnits,
                IsOption = spec.Kind == InstrumentKind.Option,
                ExpiresAt = spec.ExpiresAt ?? long.MaxValue,
                Status = spec.InitialStatus,
                Delta = spec.Kind == InstrumentKind.Option ? 0 : FuturesDelta,
                Bids = new PriceLadder(isBid: true, config.PriceLadderSpan),
                Asks = new PriceLadder(isBid: false, config.PriceLadderSpan),
            };
        }
        var orderCapacity = Math.Max(16, config.InitialOrderCapacity);
        _orders = new OrderSlot[orderCapacity];
        _cold = new OrderCold[orderCapacity];
        _levels = new LevelSlot[Math.Max(16, orderCapacity / 4)];
        _heap = new int[64];
        _orderIndex = new LongIntMap(orderCapacity);
        var accountCapacity = Math.Max(16, config.InitialAccountCapacity);
        _accountIndex = new LongIntMap(accountCapacity);
        _accountIds = new long[accountCapacity];
        _tiers = new int[accountCapacity];
        _restHead = new int[accountCapacity];
        _restTail = new int[accountCapacity];
        _pendingHead = new int[accountCapacity];
        _pendingTail = new int[accountCapacity];
        _positions = new long[accountCapacity * _markets.Length];
        _protection = new ProtectionState?[accountCapacity * _underlyingCount];
        _nextDeadline = _markets.Min(m => m.ExpiresAt);
    }

    public EngineConfig Config { get; }

    /// <summary>The market's status now (open, halted, expired…).</summary>
    public MarketStatus StatusOf(int market) => _markets[market].Status;

    /// <summary>
    /// Replaces a market's fee rates (one per tier, or one for all) and price band from the next command on: a change of
    /// trading parameters (governance) applied by the caller at a defined point of the input, so a replay of the same input
    /// applies it at the same place. Resting orders keep their priority; the band checks only orders placed or re-priced
    /// after it. The new values are validated like the instrument's own (same bounds, same fee-arithmetic headroom): a value
    /// the engine cannot charge exactly throws <see cref="ArgumentException"/> naming it, and nothing changes.
    /// Not part of <see cref="ExportState"/>: the caller that applied it keeps what it applied and applies it again after a restore.
    /// </summary>
    public void SetTradingParameters(int market, IReadOnlyList<FeeRate> feeTiers, int priceBandBps)
    {
        var m = _markets[market];
        (m.Spec with { FeeTiers = feeTiers, PriceBandBps = priceBandBps }).Validate(Config.FeeTierCount);
        for (var tier = 0; tier < Config.FeeTierCount; tier++)
        {
            var rate = feeTiers.Count == 1 ? feeTiers[0] : feeTiers[tier];
            m.MakerRates[tier] = rate.MakerMillionths;
            m.TakerRates[tier] = rate.TakerMillionths;
        }
        m.PriceBandBps = priceBandBps;
    }

    /// <summary>The market's fee rates and price band in force (see <see cref="SetTradingParameters"/>).</summary>
    public (IReadOnlyList<FeeRate> FeeTiers, int PriceBandBps) TradingParametersOf(int market)
    {
        var m = _markets[market];
        return (m.MakerRates.Zip(m.TakerRates, (maker, taker) => new FeeRate(maker, taker)).ToArray(), m.PriceBandBps);
    }

    public void Process(in EngineCommand command, EventBuffer output)
    {
        if (command.Timestamp > _now)
        {
            _now = command.Timestamp;
        }
        if (_now >= _nextDeadline)
        {
            RunDeadlines(output);
        }
        switch (command.Kind)
        {
            case CommandKind.Place:
                Place(command, output);
                break;
            case CommandKind.Amend:
                Amend(command, output);
                break;
            case CommandKind.Cancel:
                Cancel(command, output);
                break;
            case CommandKind.MassCancel:
                MassCancel(command, output);
                break;
            case CommandKind.SetMarkPrice:
                SetMarkPrice(command, output);
                break;
            case CommandKind.SetMarketStatus:
                SetMarketStatus(command, output);
                break;
            case CommandKind.SetAccountTier:
                SetAccountTier(command, output);
                break;
            case CommandKind.ConfigureProtection:
                ConfigureProtection(command, output);
                break;
            case CommandKind.AdvanceTime:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.Kind, "unknown command kind");
        }
        if (_protectionBreachCount > 0)
        {
            FireProtection(output);
        }
    }

    // ───────────────────────────── place ─────────────────────────────

    private void Place(in EngineCommand c, EventBuffer output)
    {
        if ((uint)c.Market >= (uint)_markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket, output);
            return;
        }
        var m = _markets[c.Market];
        var quantity = c.Quantity;
        var reason = ValidatePlace(c, m, ref quantity);
        if (reason != RejectReason.None)
        {
            Reject(c, reason, output);
            return;
        }
        var account = AccountSlot(c.Account);
        var slot = AllocateOrder();
        ref var o = ref _orders[slot];
        o.Id = c.OrderId;
        o.Account = account;
        o.Market = c.Market;
        o.Side = c.Side;
        o.Type = c.Type;
        o.Tif = c.TimeInForce;
        o.Stp = c.Stp;
        o.Flags = c.Flags;
        o.Price = c.Type.IsLimitPriced() ? c.Price : 0;
        o.Remaining = quantity;
        ref var cold = ref _cold[slot];
        cold.TriggerPrice = c.Type.IsConditional() ? c.TriggerPrice : 0;
        cold.ExpireAt = c.TimeInForce == TimeInForce.GoodTillTime ? c.ExpireAt : 0;
        cold.Sequence = ++_acceptSequence;
        cold.RestSequence = 0;
        o.State = SlotState.Incoming;
        o.HeapIndex = None;
        EmitAccepted(slot, output);

        if (!o.Type.IsConditional())
        {
            Enter(slot, m, output);
            return;
        }
        if (m.HasTriggerMark && IsTriggered(slot, m.TriggerMark))
        {
            Trigger(slot, m, output);
            return;
        }
        o.State = SlotState.Pending;
        (o.Type.TriggersOnRise(o.Side) ? m.Rising : m.Falling).Insert(cold.TriggerPrice, cold.Sequence, slot);
        _orderIndex.Add(o.Id, slot);
        LinkAccount(slot, _pendingHead, _pendingTail);
        if (o.Tif == TimeInForce.GoodTillTime)
        {
            HeapPush(slot);
        }
    }

    private RejectReason ValidatePlace(in EngineCommand c, MarketState m, ref long quantity)
    {
        var status = StatusRejection(m.Status);
        if (status != RejectReason.None)
        {
            return status;
        }
        if (_orderIndex.Get(c.OrderId) >= 0)
        {
            return RejectReason.DuplicateOrderId;
        }
        var marketType = !c.Type.IsLimitPriced();
        if ((c.Flags & OrderFlags.PostOnly) != 0
            && (marketType || c.TimeInForce is TimeInForce.ImmediateOrCancel or TimeInForce.FillOrKill))
        {
            return RejectReason.InvalidOrder;
        }
        if (c.Type > OrderType.TakeProfitLimit || c.Side > Side.Sell || c.TimeInForce > TimeInForce.FillOrKill
            || c.Stp > SelfTradePrevention.CancelBoth)
        {
            return RejectReason.InvalidOrder;
        }
        if (c.Quantity <= 0)
        {
            return RejectReason.NonPositiveQuantity;
        }
        var spec = m.Spec;
        if (c.Quantity < spec.MinOrderLots)
        {
            return RejectReason.BelowMinSize;
        }
        if (c.Quantity > spec.MaxOrderLots)
        {
            return RejectReason.AboveMaxSize;
        }
        if (!marketType)
        {
            var price = PriceRejection(c.Price, m);
            if (price != RejectReason.None)
            {
                return price;
            }
        }
        if (c.Type.IsConditional() && (c.TriggerPrice <= 0 || c.TriggerPrice > spec.MaxPriceTicks))
        {
            return RejectReason.InvalidTrigger;
        }
        if (c.TimeInForce == TimeInForce.GoodTillTime && c.ExpireAt <= _now)
        {
            return RejectReason.ExpiryInPast;
        }
        if ((c.Flags & OrderFlags.Quote) != 0 && IsFrozen(c.Account, m))
        {
            return RejectReason.ProtectionFrozen;
        }
        if ((c.Flags & OrderFlags.ReduceOnly) != 0 && !c.Type.IsConditional())
        {
            var capacity = Capacity(c.Account, m.Index, c.Side);
            if (capacity == 0)
            {
                return RejectReason.ReduceOnlyNoPosition;
            }
            quantity = Math.Min(quantity, capacity);
        }
        return RejectReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RejectReason StatusRejection(MarketStatus status) => status switch
    {
        MarketStatus.Open => RejectReason.None,
        MarketStatus.Halted => RejectReason.MarketHalted,
        MarketStatus.PreOpen => RejectReason.MarketNotOpen,
        _ => RejectReason.MarketExpired,
    };

    private static RejectReason PriceRejection(long price, MarketState m)
    {
        if (price <= 0)
        {
            return RejectReason.NonPositivePrice;
        }
        if (price > m.Spec.MaxPriceTicks)
        {
            return RejectReason.PriceOutOfRange;
        }
        if (m.PriceBandBps > 0 && m.HasMark)
        {
            var width = m.Mark * m.PriceBandBps / 10_000;
            if (price < m.Mark - width || price > m.Mark + width)
            {
                return RejectReason.PriceOutsideBand;
            }
        }
        return RejectReason.None;
    }

    /// <summary>Puts an incoming (new, triggered or re-priced) order through post-only, FOK and matching, then rests or ends it.</summary>
    private void Enter(int slot, MarketState m, EventBuffer output)
    {
        ref var o = ref _orders[slot];
        if ((o.Flags & OrderFlags.PostOnly) != 0 && CrossesBest(ref o, m))
        {
            End(slot, CancelReason.PostOnlyWouldCross, output);
            return;
        }
        if (o.Tif == TimeInForce.FillOrKill && !CanFillCompletely(ref o, m))
        {
            End(slot, CancelReason.FillOrKill, output);
            return;
        }
        var stoppedBySelfTrade = Match(slot, m, output);
        if (o.Remaining == 0)
        {
            Release(slot);
            return;
        }
        if (stoppedBySelfTrade)
        {
            End(slot, CancelReason.SelfTradePrevention, output);
            return;
        }
        if (!o.Type.IsLimitPriced() || o.Tif is TimeInForce.ImmediateOrCancel or TimeInForce.FillOrKill)
        {
            End(slot, CancelReason.ImmediateOrCancel, output);
            return;
        }
        Rest(slot, m, output);
    }

    private bool CrossesBest(ref OrderSlot o, MarketState m)
    {
        var opposite = o.Side == Side.Buy ? m.Asks : m.Bids;
        if (opposite.Best(out var best) < 0)
        {
            return false;
        }
        return o.Side == Side.Buy ? best <= o.Price : best >= o.Price;
    }

    /// <summary>Dry run of <see cref="Match"/>: would the order fill in full right now?</summary>
    private bool CanFillCompletely(ref OrderSlot t, MarketState m)
    {
        var book = t.Side == Side.Buy ? m.Asks : m.Bids;
        var limited = t.Type.IsLimitPriced();
        var buy = t.Side == Side.Buy;
        var need = t.Remaining;
        var reduceOnlyCount = 0;
        for (var li = book.Best(out var price); li >= 0; li = book.NextWorse(price, out price))
        {
            ref var level = ref _levels[li];
            if (limited && (buy ? level.Price > t.Price : level.Price < t.Price))
            {
                return false;
            }
            for (var cur = level.Head; cur != None; cur = _orders[cur].Next)
            {
                ref var mk = ref _orders[cur];
                if (mk.Account == t.Account)
                {
                    if (t.Stp == SelfTradePrevention.CancelMaker)
                    {
                        continue;
                    }
                    return false;
                }
                var available = mk.Remaining;
                if ((mk.Flags & OrderFlags.ReduceOnly) != 0)
                {
                    var k = 0;
                    while (k < reduceOnlyCount && _reduceOnlyAccounts[k] != mk.Account)
                    {
                        k++;
                    }
                    if (k == reduceOnlyCount)
                    {
                        if (k == _reduceOnlyAccounts.Length)
                        {
                            Array.Resize(ref _reduceOnlyAccounts, k * 2);
                            Array.Resize(ref _reduceOnlyUsed, k * 2);
                        }
                        _reduceOnlyAccounts[k] = mk.Account;
                        _reduceOnlyUsed[k] = 0;
                        reduceOnlyCount++;
                    }
                    var capacity = CapacityOf(mk.Account, m.Index, mk.Side) - _reduceOnlyUsed[k];
                    available = Math.Min(available, Math.Max(capacity, 0));
                    _reduceOnlyUsed[k] += available;
                }
                need -= available;
                if (need <= 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Matches the incoming order against the opposite side. Returns true when self-trade prevention stopped it.</summary>
    private bool Match(int takerSlot, MarketState m, EventBuffer output)
    {
        ref var t = ref _orders[takerSlot];
        var book = t.Side == Side.Buy ? m.Asks : m.Bids;
        var limited = t.Type.IsLimitPriced();
        var buy = t.Side == Side.Buy;
        int levelIndex;
        while ((levelIndex = book.Best(out _)) >= 0)
        {
            ref var level = ref _levels[levelIndex];
            if (limited && (buy ? level.Price > t.Price : level.Price < t.Price))
            {
                return false;
            }
            var cur = level.Head;
            while (cur != None)
            {
                ref var mk = ref _orders[cur];
                var next = mk.Next;
                if (mk.Account == t.Account)
                {
                    if (t.Stp == SelfTradePrevention.CancelTaker)
                    {
                        return true;
                    }
                    CancelResting(cur, CancelReason.SelfTradePrevention, removeEmptyLevel: false, output);
                    if (t.Stp == SelfTradePrevention.CancelBoth)
                    {
                        DropLevelIfEmpty(book, levelIndex);
                        return true;
                    }
                    cur = next;
                    continue;
                }
                var quantity = Math.Min(t.Remaining, mk.Remaining);
                var reduceOnly = (mk.Flags & OrderFlags.ReduceOnly) != 0;
                if (reduceOnly)
                {
                    var capacity = CapacityOf(mk.Account, m.Index, mk.Side);
                    if (capacity == 0)
                    {
                        CancelResting(cur, CancelReason.ReduceOnly, removeEmptyLevel: false, output);
                        cur = next;
                        continue;
                    }
                    quantity = Math.Min(quantity, capacity);
                }
                Fill(ref t, ref mk, level.Price, quantity, m, output);
                level.Total -= quantity;
                if (mk.Remaining == 0)
                {
                    UnlinkFromLevel(cur);
                    Release(cur);
                }
                else if (reduceOnly && CapacityOf(mk.Account, m.Index, mk.Side) == 0)
                {
                    CancelResting(cur, CancelReason.ReduceOnly, removeEmptyLevel: false, output);
                }
                if (t.Remaining == 0)
                {
                    DropLevelIfEmpty(book, levelIndex);
                    return false;
                }
                cur = next;
            }
            // Every order of the best level is gone.
            book.Remove(level.Price);
            FreeLevel(levelIndex);
        }
        return false;
    }

    private void DropLevelIfEmpty(PriceLadder book, int levelIndex)
    {
        if (_levels[levelIndex].Count == 0)
        {
            book.Remove(_levels[levelIndex].Price);
            FreeLevel(levelIndex);
        }
    }

    private void Fill(ref OrderSlot t, ref OrderSlot mk, long price, long quantity, MarketState m, EventBuffer output)
    {
        t.Remaining -= quantity;
        mk.Remaining -= quantity;
        var marketCount = _markets.Length;
        if (t.Side == Side.Buy)
        {
            _positions[(t.Account * marketCount) + m.Index] += quantity;
            _positions[(mk.Account * marketCount) + m.Index] -= quantity;
        }
        else
        {
            _positions[(t.Account * marketCount) + m.Index] -= quantity;
            _positions[(mk.Account * marketCount) + m.Index] += quantity;
        }
        ref var e = ref output.Append();
        e = default;
        e.Kind = EventKind.Filled;
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        e.Market = m.Index;
        e.OrderId = t.Id;
        e.Account = _accountIds[t.Account];
        e.Side = t.Side;
        e.OrderType = t.Type;
        e.Price = price;
        e.Quantity = quantity;
        e.Remaining = t.Remaining;
        e.CounterOrderId = mk.Id;
        e.CounterAccount = _accountIds[mk.Account];
        e.CounterRemaining = mk.Remaining;
        e.MakerFee = m.Fees.Fee(price, quantity, m.MakerRates[_tiers[mk.Account]]);
        e.TakerFee = m.Fees.Fee(price, quantity, m.TakerRates[_tiers[t.Account]]);
        if (((t.Flags | mk.Flags) & OrderFlags.Quote) != 0)
        {
            if ((t.Flags & OrderFlags.Quote) != 0)
            {
                RecordProtection(t.Account, m, quantity, t.Side);
            }
            if ((mk.Flags & OrderFlags.Quote) != 0)
            {
                RecordProtection(mk.Account, m, quantity, mk.Side);
            }
        }
    }

    /// <summary>Puts the order at the tail of its price level (time priority), opening the level if it is new.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void AppendToLevel(int slot, MarketState m)
    {
        ref var o = ref _orders[slot];
        var book = o.Side == Side.Buy ? m.Bids : m.Asks;
        var levelIndex = book.Find(o.Price);
        if (levelIndex < 0)
        {
            levelIndex = AllocateLevel();
            ref var fresh = ref _levels[levelIndex];
            fresh.Price = o.Price;
            fresh.Total = 0;
            fresh.Head = None;
            fresh.Tail = None;
            fresh.Count = 0;
            book.Add(o.Price, levelIndex);
        }
        ref var level = ref _levels[levelIndex];
        o.Level = levelIndex;
        o.Next = None;
        o.Prev = level.Tail;
        if (level.Tail == None)
        {
            level.Head = slot;
        }
        else
        {
            _orders[level.Tail].Next = slot;
        }
        level.Tail = slot;
        level.Count++;
        level.Total += o.Remaining;
    }

    private void Rest(int slot, MarketState m, EventBuffer output)
    {
        AppendToLevel(slot, m);
        ref var o = ref _orders[slot];
        if (o.State == SlotState.Incoming)
        {
            _cold[slot].RestSequence = ++_restSequence;
            _orderIndex.Add(o.Id, slot);
            LinkAccount(slot, _restHead, _restTail);
            if (o.Tif == TimeInForce.GoodTillTime)
            {
                HeapPush(slot);
            }
        }
        o.State = SlotState.Resting;
        ref var e = ref output.Append();
        e = default;
        e.Kind = EventKind.Rested;
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        e.Market = o.Market;
        e.OrderId = o.Id;
        e.Account = _accountIds[o.Account];
        e.Side = o.Side;
        e.OrderType = o.Type;
        e.Price = o.Price;
        e.Remaining = o.Remaining;
        e.Flags = o.Flags;
    }

    // ───────────────────────────── cancel / amend ─────────────────────────────

    private void Cancel(in EngineCommand c, EventBuffer output)
    {
        if ((uint)c.Market >= (uint)_markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket, output);
            return;
        }
        var slot = _orderIndex.Get(c.OrderId);
        if (slot < 0 || _orders[slot].Market != c.Market)
        {
            Reject(c, RejectReason.NotResting, output);
            return;
        }
        if (_accountIds[_orders[slot].Account] != c.Account)
        {
            Reject(c, RejectReason.NotOwner, output);
            return;
        }
        if (_orders[slot].State == SlotState.Pending)
        {
            CancelPending(slot, CancelReason.UserRequested, output);
        }
        else
        {
            CancelResting(slot, CancelReason.UserRequested, removeEmptyLevel: true, output);
        }
    }

    private void Amend(in EngineCommand c, EventBuffer output)
    {
        if ((uint)c.Market >= (uint)_markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket, output);
            return;
        }
        var m = _markets[c.Market];
        var status = StatusRejection(m.Status);
        if (status != RejectReason.None)
        {
            Reject(c, status, output);
            return;
        }
        var slot = _orderIndex.Get(c.OrderId);
        if (slot < 0 || _orders[slot].Market != c.Market || _orders[slot].State != SlotState.Resting)
        {
            Reject(c, RejectReason.NotResting, output);
            return;
        }
        ref var o = ref _orders[slot];
        if (_accountIds[o.Account] != c.Account)
        {
            Reject(c, RejectReason.NotOwner, output);
            return;
        }
        var quantity = c.Quantity;
        if (quantity <= 0)
        {
            Reject(c, RejectReason.NonPositiveQuantity, output);
            return;
        }
        if (quantity < m.Spec.MinOrderLots)
        {
            Reject(c, RejectReason.BelowMinSize, output);
            return;
        }
        if (quantity > m.Spec.MaxOrderLots)
        {
            Reject(c, RejectReason.AboveMaxSize, output);
            return;
        }
        var price = PriceRejection(c.Price, m);
        if (price != RejectReason.None)
        {
            Reject(c, price, output);
            return;
        }
        if ((o.Flags & OrderFlags.ReduceOnly) != 0)
        {
            var capacity = CapacityOf(o.Account, m.Index, o.Side);
            if (capacity == 0)
            {
                Reject(c, RejectReason.ReduceOnlyNoPosition, output);
                return;
            }
            quantity = Math.Min(quantity, capacity);
        }
        var book = o.Side == Side.Buy ? m.Bids : m.Asks;
        if (c.Price == o.Price && quantity <= o.Remaining)
        {
            _levels[o.Level].Total -= o.Remaining - quantity;
            o.Remaining = quantity;
            EmitAmended(ref o, keptPriority: true, output);
            return;
        }
        if ((o.Flags & OrderFlags.PostOnly) != 0)
        {
            var previous = o.Price;
            o.Price = c.Price;
            var crosses = CrossesBest(ref o, m);
            o.Price = previous;
            if (crosses)
            {
                Reject(c, RejectReason.PostOnlyWouldCross, output);
                return;
            }
        }
        var levelIndex = UnlinkFromLevel(slot);
        if (_levels[levelIndex].Count == 0)
        {
            RemoveLevel(book, levelIndex);
        }
        o.Price = c.Price;
        o.Remaining = quantity;
        o.State = SlotState.Reentering;
        EmitAmended(ref o, keptPriority: false, output);
        Enter(slot, m, output);
    }

    private void MassCancel(in EngineCommand c, EventBuffer output)
    {
        if (c.Market != -1 && (uint)c.Market >= (uint)_markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket, output);
            return;
        }
        var account = _accountIndex.Get(c.Account);
        if (account < 0)
        {
            return;
        }
        var cur = _restHead[account];
        while (cur != None)
        {
            var next = _orders[cur].AccountNext;
            if (c.Market == -1 || _orders[cur].Market == c.Market)
            {
                CancelResting(cur, CancelReason.MassCancel, removeEmptyLevel: true, output);
            }
            cur = next;
        }
        cur = _pendingHead[account];
        while (cur != None)
        {
            var next = _orders[cur].AccountNext;
            if (c.Market == -1 || _orders[cur].Market == c.Market)
            {
                CancelPending(cur, CancelReason.MassCancel, output);
            }
            cur = next;
        }
    }

    private void CancelResting(int slot, CancelReason reason, bool removeEmptyLevel, EventBuffer output)
    {
        ref var o = ref _orders[slot];
        var levelIndex = UnlinkFromLevel(slot);
        _levels[levelIndex].Total -= o.Remaining;
        if (removeEmptyLevel && _levels[levelIndex].Count == 0)
        {
            RemoveLevel(o.Side == Side.Buy ? _markets[o.Market].Bids : _markets[o.Market].Asks, levelIndex);
        }
        EmitCancelled(ref o, reason, output);
        Release(slot);
    }

    private void CancelPending(int slot, CancelReason reason, EventBuffer output)
    {
        ref var o = ref _orders[slot];
        var m = _markets[o.Market];
        (o.Type.TriggersOnRise(o.Side) ? m.Rising : m.Falling).Remove(_cold[slot].TriggerPrice, _cold[slot].Sequence);
        EmitCancelled(ref o, reason, output);
        Release(slot);
    }

    /// <summary>Emits the cancellation of an order that is not in a level, then frees it.</summary>
    private void End(int slot, CancelReason reason, EventBuffer output)
    {
        EmitCancelled(ref _orders[slot], reason, output);
        Release(slot);
    }

    // ───────────────────────────── conditional orders ─────────────────────────────

    private bool IsTriggered(int slot, long mark) =>
        _orders[slot].Type.TriggersOnRise(_orders[slot].Side) ? mark >= _cold[slot].TriggerPrice : mark <= _cold[slot].TriggerPrice;

    private void SetMarkPrice(in EngineCommand c, EventBuffer output)
    {
        if ((uint)c.Market >= (uint)_markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket, output);
            return;
        }
        if (c.Price <= 0)
        {
            Reject(c, RejectReason.NonPositivePrice, output);
            return;
        }
        var m = _markets[c.Market];
        m.Mark = c.Price;
        m.HasMark = true;
        if (m.IsOption)
        {
            m.Delta = c.Delta;
        }
        if (m.Status == MarketStatus.Open)
        {
            RunTriggers(m, output);
        }
    }

    /// <summary>Fires the conditional orders the mark passed on its way from the last evaluated mark, in path order.</summary>
    private void RunTriggers(MarketState m, EventBuffer output)
    {
        var mark = m.Mark;
        var count = 0;
        if (!m.HasTriggerMark)
        {
            // No path to follow on the first mark: whatever it satisfies fires in acceptance order.
            while (m.Rising.Count > 0 && m.Rising.NextTrigger <= mark)
            {
                count = PopTriggered(m.Rising, count);
            }
            while (m.Falling.Count > 0 && m.Falling.NextTrigger >= mark)
            {
                count = PopTriggered(m.Falling, count);
            }
            Array.Sort(_scratchKeys, _scratchSlots, 0, count);
        }
        else if (mark > m.TriggerMark)
        {
            while (m.Rising.Count > 0 && m.Rising.NextTrigger <= mark)
            {
                count = PopTriggered(m.Rising, count);
            }
        }
        else if (mark < m.TriggerMark)
        {
            while (m.Falling.Count > 0 && m.Falling.NextTrigger >= mark)
            {
                count = PopTriggered(m.Falling, count);
            }
        }
        m.TriggerMark = mark;
        m.HasTriggerMark = true;
        if (count == 0)
        {
            return;
        }
        // Matching a triggered order never touches the scratch arrays, so the list stays stable while we walk it.
        for (var i = 0; i < count; i++)
        {
            var slot = _scratchSlots[i];
            ref var o = ref _orders[slot];
            _orderIndex.Remove(o.Id);
            UnlinkAccount(slot, _pendingHead, _pendingTail);
            if (o.HeapIndex != None)
            {
                HeapRemove(slot);
            }
            o.State = SlotState.Incoming;
            Trigger(slot, m, output);
        }
    }

    private int PopTriggered(ConditionalSide side, int count)
    {
        var slot = side.Slots[side.Count - 1];
        side.Count--;
        if (count == _scratchSlots.Length)
        {
            Array.Resize(ref _scratchSlots, count * 2);
            Array.Resize(ref _scratchKeys, count * 2);
        }
        _scratchSlots[count] = slot;
        _scratchKeys[count] = _cold[slot].Sequence;
        return count + 1;
    }

    /// <summary>A conditional order whose trigger was reached enters the book as a market or limit order.</summary>
    private void Trigger(int slot, MarketState m, EventBuffer output)
    {
        ref var o = ref _orders[slot];
        var reduceOnly = (o.Flags & OrderFlags.ReduceOnly) != 0;
        var capacity = reduceOnly ? CapacityOf(o.Account, m.Index, o.Side) : long.MaxValue;
        if (capacity > 0)
        {
            o.Remaining = Math.Min(o.Remaining, capacity);
        }
        ref var e = ref output.Append();
        e = default;
        e.Kind = EventKind.Triggered;
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        e.Market = o.Market;
        e.OrderId = o.Id;
        e.Account = _accountIds[o.Account];
        e.Side = o.Side;
        e.OrderType = o.Type;
        e.Price = o.Price;
        e.Quantity = o.Remaining;
        e.Aux = _cold[slot].TriggerPrice;
        if (capacity == 0)
        {
            End(slot, CancelReason.ReduceOnly, output);
            return;
        }
        if ((o.Flags & OrderFlags.Quote) != 0 && IsFrozen(_accountIds[o.Account], m))
        {
            End(slot, CancelReason.MarketMakerProtection, output);
            return;
        }
        Enter(slot, m, output);
    }

    // ───────────────────────────── status, tiers, protection ─────────────────────────────

    private void SetMarketStatus(in EngineCommand c, EventBuffer output)
    {
        if ((uint)c.Market >= (uint)_markets.Length)
        {
            Reject(c, RejectReason.UnknownMarket, output);
            return;
        }
        var m = _markets[c.Market];
        if (!IsAllowedTransition(m.Status, c.Status))
        {
            Reject(c, RejectReason.InvalidStatusTransition, output);
            return;
        }
        ChangeStatus(m, c.Status, output);
    }

    internal static bool IsAllowedTransition(MarketStatus from, MarketStatus to) => (from, to) switch
    {
        (MarketStatus.Expired, _) => false,
        (_, MarketStatus.Expired) => true,
        (MarketStatus.PreOpen, MarketStatus.Open or MarketStatus.Halted) => true,
        (MarketStatus.Open, MarketStatus.Halted) => true,
        (MarketStatus.Halted, MarketStatus.Open) => true,
        _ => false,
    };

    private void ChangeStatus(MarketState m, MarketStatus status, EventBuffer output)
    {
        m.Status = status;
        ref var e = ref output.Append();
        e = default;
        e.Kind = EventKind.MarketStatusChanged;
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        e.Market = m.Index;
        e.Status = status;
        if (status == MarketStatus.Expired)
        {
            CancelEverything(m, output);
        }
        else if (status == MarketStatus.Open && m.HasMark)
        {
            RunTriggers(m, output);
        }
    }

    private void CancelEverything(MarketState m, EventBuffer output)
    {
        foreach (var book in (ReadOnlySpan<PriceLadder>)[m.Bids, m.Asks])
        {
            int levelIndex;
            while ((levelIndex = book.Best(out var price)) >= 0)
            {
                while (_levels[levelIndex].Head != None)
                {
                    CancelResting(_levels[levelIndex].Head, CancelReason.InstrumentExpired, removeEmptyLevel: false, output);
                }
                book.Remove(price);
                FreeLevel(levelIndex);
            }
        }
        var count = 0;
        foreach (var side in (ReadOnlySpan<ConditionalSide>)[m.Rising, m.Falling])
        {
            for (var i = 0; i < side.Count; i++)
            {
                if (count == _scratchSlots.Length)
                {
                    Array.Resize(ref _scratchSlots, count * 2);
                    Array.Resize(ref _scratchKeys, count * 2);
                }
                _scratchSlots[count] = side.Slots[i];
                _scratchKeys[count] = _cold[side.Slots[i]].Sequence;
                count++;
            }
        }
        Array.Sort(_scratchKeys, _scratchSlots, 0, count);
        for (var i = 0; i < count; i++)
        {
            CancelPending(_scratchSlots[i], CancelReason.InstrumentExpired, output);
        }
    }

    private void SetAccountTier(in EngineCommand c, EventBuffer output)
    {
        if (c.Quantity < 0 || c.Quantity >= Config.FeeTierCount)
        {
            Reject(c, RejectReason.UnknownTier, output);
            return;
        }
        _tiers[AccountSlot(c.Account)] = (int)c.Quantity;
    }

    private void ConfigureProtection(in EngineCommand c, EventBuffer output)
    {
        if ((uint)c.Market >= (uint)_underlyingCount)
        {
            Reject(c, RejectReason.UnknownUnderlying, output);
            return;
        }
        if (c.ProtectionWindow <= 0 || c.ProtectionQuantityLimit < 0 || c.ProtectionDeltaLimit < 0 || c.ProtectionCooldown < 0)
        {
            Reject(c, RejectReason.InvalidProtectionSettings, output);
            return;
        }
        var account = AccountSlot(c.Account);
        _protection[(account * _underlyingCount) + c.Market] = new ProtectionState
        {
            AccountId = c.Account,
            Account = account,
            Underlying = c.Market,
            Window = c.ProtectionWindow,
            QuantityLimit = c.ProtectionQuantityLimit,
            DeltaLimit = c.ProtectionDeltaLimit,
            Cooldown = c.ProtectionCooldown,
        };
    }

    private bool IsFrozen(long accountId, MarketState m)
    {
        var account = _accountIndex.Get(accountId);
        if (account < 0)
        {
            return false;
        }
        var state = _protection[(account * _underlyingCount) + m.Underlying];
        return state is not null && _now < state.FrozenUntil;
    }

    private void RecordProtection(int account, MarketState m, long quantity, Side side)
    {
        var state = _protection[(account * _underlyingCount) + m.Underlying];
        if (state is null)
        {
            return;
        }
        var nano = quantity * m.LotNanoUnits;
        var delta = (Int128)nano * m.Delta;
        state.Record(_now, nano, side == Side.Buy ? delta : -delta);
        if (!state.PendingTrigger && state.Breached)
        {
            state.PendingTrigger = true;
            state.TriggerMarket = m.Index;
            if (_protectionBreachCount == _protectionBreaches.Length)
            {
                Array.Resize(ref _protectionBreaches, _protectionBreachCount * 2);
            }
            _protectionBreaches[_protectionBreachCount++] = state;
        }
    }

    private void FireProtection(EventBuffer output)
    {
        for (var i = 0; i < _protectionBreachCount; i++)
        {
            var state = _protectionBreaches[i];
            _protectionBreaches[i] = null!;
            state.PendingTrigger = false;
            state.FrozenUntil = _now + state.Cooldown;
            state.ClearWindow();
            ref var e = ref output.Append();
            e = default;
            e.Kind = EventKind.ProtectionTriggered;
            e.Sequence = ++_sequence;
            e.Timestamp = _now;
            e.Market = state.TriggerMarket;
            e.Account = state.AccountId;
            e.Aux = state.FrozenUntil;
            var cur = _restHead[state.Account];
            while (cur != None)
            {
                var next = _orders[cur].AccountNext;
                if ((_orders[cur].Flags & OrderFlags.Quote) != 0 && _markets[_orders[cur].Market].Underlying == state.Underlying)
                {
                    CancelResting(cur, CancelReason.MarketMakerProtection, removeEmptyLevel: true, output);
                }
                cur = next;
            }
        }
        _protectionBreachCount = 0;
    }

    // ───────────────────────────── time ─────────────────────────────

    private void RunDeadlines(EventBuffer output)
    {
        while (true)
        {
            var orderDeadline = _heapCount > 0 ? _cold[_heap[0]].ExpireAt : long.MaxValue;
            var marketDeadline = long.MaxValue;
            MarketState? expiring = null;
            foreach (var m in _markets)
            {
                if (m.Status != MarketStatus.Expired && m.ExpiresAt < marketDeadline)
                {
                    marketDeadline = m.ExpiresAt;
                    expiring = m;
                }
            }
            if (orderDeadline > _now && marketDeadline > _now)
            {
                _nextDeadline = Math.Min(orderDeadline, marketDeadline);
                return;
            }
            if (orderDeadline <= marketDeadline)
            {
                var slot = _heap[0];
                if (_orders[slot].State == SlotState.Pending)
                {
                    CancelPending(slot, CancelReason.Expired, output);
                }
                else
                {
                    CancelResting(slot, CancelReason.Expired, removeEmptyLevel: true, output);
                }
            }
            else
            {
                ChangeStatus(expiring!, MarketStatus.Expired, output);
            }
        }
    }

    private void HeapPush(int slot)
    {
        if (_heapCount == _heap.Length)
        {
            Array.Resize(ref _heap, _heapCount * 2);
        }
        _heap[_heapCount] = slot;
        _orders[slot].HeapIndex = _heapCount;
        _heapCount++;
        HeapUp(_heapCount - 1);
        if (_cold[slot].ExpireAt < _nextDeadline)
        {
            _nextDeadline = _cold[slot].ExpireAt;
        }
    }

    private void HeapRemove(int slot)
    {
        var index = _orders[slot].HeapIndex;
        _orders[slot].HeapIndex = None;
        _heapCount--;
        if (index == _heapCount)
        {
            return;
        }
        var last = _heap[_heapCount];
        _heap[index] = last;
        _orders[last].HeapIndex = index;
        HeapUp(index);
        HeapDown(_orders[last].HeapIndex);
    }

    private bool HeapLess(int a, int b)
    {
        ref var x = ref _cold[a];
        ref var y = ref _cold[b];
        return x.ExpireAt != y.ExpireAt ? x.ExpireAt < y.ExpireAt : x.Sequence < y.Sequence;
    }

    private void HeapUp(int index)
    {
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (!HeapLess(_heap[index], _heap[parent]))
            {
                return;
            }
            HeapSwap(index, parent);
            index = parent;
        }
    }

    private void HeapDown(int index)
    {
        while (true)
        {
            var left = (2 * index) + 1;
            if (left >= _heapCount)
            {
                return;
            }
            var smallest = left + 1 < _heapCount && HeapLess(_heap[left + 1], _heap[left]) ? left + 1 : left;
            if (!HeapLess(_heap[smallest], _heap[index]))
            {
                return;
            }
            HeapSwap(index, smallest);
            index = smallest;
        }
    }

    private void HeapSwap(int i, int j)
    {
        (_heap[i], _heap[j]) = (_heap[j], _heap[i]);
        _orders[_heap[i]].HeapIndex = i;
        _orders[_heap[j]].HeapIndex = j;
    }

    // ───────────────────────────── pools and links ─────────────────────────────

    private int AllocateOrder()
    {
        if (_freeOrder != None)
        {
            var slot = _freeOrder;
            _freeOrder = _orders[slot].Next;
            return slot;
        }
        if (_orderCount == _orders.Length)
        {
            Array.Resize(ref _orders, _orders.Length * 2);
            Array.Resize(ref _cold, _orders.Length);
        }
        return _orderCount++;
    }

    /// <summary>Forgets an order that is out of every level: its id, account list and expiry entry go with it.</summary>
    private void Release(int slot)
    {
        ref var o = ref _orders[slot];
        if (o.State is SlotState.Resting or SlotState.Reentering)
        {
            _orderIndex.Remove(o.Id);
            UnlinkAccount(slot, _restHead, _restTail);
        }
        else if (o.State == SlotState.Pending)
        {
            _orderIndex.Remove(o.Id);
            UnlinkAccount(slot, _pendingHead, _pendingTail);
        }
        if (o.HeapIndex != None)
        {
            HeapRemove(slot);
        }
        o.State = SlotState.Free;
        o.Next = _freeOrder;
        _freeOrder = slot;
    }

    private int AllocateLevel()
    {
        if (_freeLevel != None)
        {
            var level = _freeLevel;
            _freeLevel = _levels[level].Head;
            return level;
        }
        if (_levelCount == _levels.Length)
        {
            Array.Resize(ref _levels, _levels.Length * 2);
        }
        return _levelCount++;
    }

    private void FreeLevel(int level)
    {
        _levels[level].Head = _freeLevel;
        _freeLevel = level;
    }

    /// <summary>Takes a resting order out of its level (the level itself stays, possibly empty).</summary>
    private int UnlinkFromLevel(int slot)
    {
        ref var o = ref _orders[slot];
        ref var level = ref _levels[o.Level];
        if (o.Prev == None)
        {
            level.Head = o.Next;
        }
        else
        {
            _orders[o.Prev].Next = o.Next;
        }
        if (o.Next == None)
        {
            level.Tail = o.Prev;
        }
        else
        {
            _orders[o.Next].Prev = o.Prev;
        }
        level.Count--;
        return o.Level;
    }

    private void RemoveLevel(PriceLadder book, int levelIndex)
    {
        book.Remove(_levels[levelIndex].Price);
        FreeLevel(levelIndex);
    }

    private void LinkAccount(int slot, int[] heads, int[] tails)
    {
        ref var o = ref _orders[slot];
        var account = o.Account;
        o.AccountNext = None;
        o.AccountPrev = tails[account];
        if (tails[account] == None)
        {
            heads[account] = slot;
        }
        else
        {
            _orders[tails[account]].AccountNext = slot;
        }
        tails[account] = slot;
    }

    private void UnlinkAccount(int slot, int[] heads, int[] tails)
    {
        ref var o = ref _orders[slot];
        if (o.AccountPrev == None)
        {
            heads[o.Account] = o.AccountNext;
        }
        else
        {
            _orders[o.AccountPrev].AccountNext = o.AccountNext;
        }
        if (o.AccountNext == None)
        {
            tails[o.Account] = o.AccountPrev;
        }
        else
        {
            _orders[o.AccountNext].AccountPrev = o.AccountPrev;
        }
    }

    private int AccountSlot(long accountId)
    {
        var account = _accountIndex.Get(accountId);
        if (account >= 0)
        {
            return account;
        }
        account = _accounts++;
        if (account == _accountIds.Length)
        {
            var size = _accountIds.Length * 2;
            Array.Resize(ref _accountIds, size);
            Array.Resize(ref _tiers, size);
            Array.Resize(ref _restHead, size);
            Array.Resize(ref _restTail, size);
            Array.Resize(ref _pendingHead, size);
            Array.Resize(ref _pendingTail, size);
            Array.Resize(ref _positions, size * _markets.Length);
            Array.Resize(ref _protection, size * _underlyingCount);
        }
        _accountIds[account] = accountId;
        _restHead[account] = _restTail[account] = _pendingHead[account] = _pendingTail[account] = None;
        _accountIndex.Add(accountId, account);
        return account;
    }

    /// <summary>How much a reduce-only order on this side may still trade: the opposite position, or 0.</summary>
    private long Capacity(long accountId, int market, Side side)
    {
        var account = _accountIndex.Get(accountId);
        return account < 0 ? 0 : CapacityOf(account, market, side);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long CapacityOf(int account, int market, Side side)
    {
        var position = _positions[(account * _markets.Length) + market];
        return side == Side.Buy ? Math.Max(0, -position) : Math.Max(0, position);
    }

    // ───────────────────────────── events ─────────────────────────────

    private void Reject(in EngineCommand c, RejectReason reason, EventBuffer output)
    {
        ref var e = ref output.Append();
        e = default;
        e.Kind = EventKind.Rejected;
        e.Command = c.Kind;
        e.RejectReason = reason;
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        e.Market = c.Market;
        e.OrderId = c.OrderId;
        e.Account = c.Account;
        e.Side = c.Side;
        e.OrderType = c.Type;
        e.Price = c.Price;
        e.Quantity = c.Quantity;
    }

    private void EmitAccepted(int slot, EventBuffer output)
    {
        ref var o = ref _orders[slot];
        ref var e = ref output.Append();
        e = default;
        e.Kind = EventKind.Accepted;
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        e.Market = o.Market;
        e.OrderId = o.Id;
        e.Account = _accountIds[o.Account];
        e.Side = o.Side;
        e.OrderType = o.Type;
        e.TimeInForce = o.Tif;
        e.Stp = o.Stp;
        e.Flags = o.Flags;
        e.Price = o.Price;
        e.Quantity = o.Remaining;
        e.Aux = _cold[slot].TriggerPrice;
        e.ExpireAt = _cold[slot].ExpireAt;
    }

    private void EmitCancelled(ref OrderSlot o, CancelReason reason, EventBuffer output)
    {
        ref var e = ref output.Append();
        e = default;
        e.Kind = EventKind.Cancelled;
        e.CancelReason = reason;
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        e.Market = o.Market;
        e.OrderId = o.Id;
        e.Account = _accountIds[o.Account];
        e.Side = o.Side;
        e.OrderType = o.Type;
        e.Price = o.Price;
        e.Remaining = o.Remaining;
    }

    private void EmitAmended(ref OrderSlot o, bool keptPriority, EventBuffer output)
    {
        ref var e = ref output.Append();
        e = default;
        e.Kind = EventKind.Amended;
        e.Sequence = ++_sequence;
        e.Timestamp = _now;
        e.Market = o.Market;
        e.OrderId = o.Id;
        e.Account = _accountIds[o.Account];
        e.Side = o.Side;
        e.OrderType = o.Type;
        e.Price = o.Price;
        e.Quantity = o.Remaining;
        e.KeptPriority = keptPriority;
    }

    // ───────────────────────────── inspection ─────────────────────────────

    public BookSnapshot Book(int market)
    {
        var m = _markets[market];
        return new BookSnapshot(market, m.Status, m.HasMark ? m.Mark : null, Entries(m.Bids), Entries(m.Asks),
            PendingOf(m).Select(slot => new ConditionalEntry(_orders[slot].Id, _accountIds[_orders[slot].Account], _orders[slot].Side,
                _orders[slot].Type, _cold[slot].TriggerPrice, _orders[slot].Price, _orders[slot].Remaining)).ToList());
    }

    private List<BookEntry> Entries(PriceLadder book)
    {
        var entries = new List<BookEntry>();
        for (var li = book.Best(out var price); li >= 0; li = book.NextWorse(price, out price))
        {
            for (var cur = _levels[li].Head; cur != None; cur = _orders[cur].Next)
            {
                ref var o = ref _orders[cur];
                entries.Add(new BookEntry(o.Id, _accountIds[o.Account], o.Side, o.Price, o.Remaining, o.Flags));
            }
        }
        return entries;
    }

    private List<int> PendingOf(MarketState m)
    {
        var slots = new List<int>();
        for (var i = 0; i < m.Rising.Count; i++)
        {
            slots.Add(m.Rising.Slots[i]);
        }
        for (var i = 0; i < m.Falling.Count; i++)
        {
            slots.Add(m.Falling.Slots[i]);
        }
        return slots.OrderBy(s => _cold[s].Sequence).ToList();
    }

    /// <summary>Best resting price on one side of a market, or null when that side is empty (cheap: no snapshot).</summary>
    public long? BestPrice(int market, Side side)
    {
        var book = side == Side.Buy ? _markets[market].Bids : _markets[market].Asks;
        return book.Best(out var price) >= 0 ? price : null;
    }

    public long Position(long account, int market)
    {
        var index = _accountIndex.Get(account);
        return index < 0 ? 0 : _positions[(index * _markets.Length) + market];
    }

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
            h.Add(m.HasMark ? m.Mark : -1);
            h.Add(m.HasTriggerMark ? m.TriggerMark : -1);
            h.Add(m.Delta);
            foreach (var book in new[] { m.Bids, m.Asks })
            {
                for (var li = book.Best(out var price); li >= 0; li = book.NextWorse(price, out price))
                {
                    for (var cur = _levels[li].Head; cur != None; cur = _orders[cur].Next)
                    {
                        HashOrder(h, cur);
                    }
                }
                h.Add(-2);
            }
            foreach (var slot in PendingOf(m))
            {
                HashOrder(h, slot);
            }
            h.Add(-3);
        }
        var accounts = Enumerable.Range(0, _accounts).OrderBy(a => _accountIds[a]);
        foreach (var a in accounts)
        {
            var positions = Enumerable.Range(0, _markets.Length).Where(mi => _positions[(a * _markets.Length) + mi] != 0).ToList();
            var protections = Enumerable.Range(0, _underlyingCount).Where(u => _protection[(a * _underlyingCount) + u] is not null).ToList();
            if (positions.Count == 0 && protections.Count == 0 && _tiers[a] == 0)
            {
                continue;
            }
            h.Add(_accountIds[a]);
            h.Add(_tiers[a]);
            foreach (var mi in positions)
            {
                h.Add(mi);
                h.Add(_positions[(a * _markets.Length) + mi]);
            }
            foreach (var u in protections)
            {
                var p = _protection[(a * _underlyingCount) + u]!;
                h.Add(u);
                h.Add(p.Window);
                h.Add(p.QuantityLimit);
                h.Add(p.DeltaLimit);
                h.Add(p.Cooldown);
                h.Add(p.FrozenUntil);
                for (var i = 0; i < p.Size; i++)
                {
                    var j = (p.Head + i) % p.Times.Length;
                    h.Add(p.Times[j]);
                    h.Add(p.Quantities[j]);
                    h.Add(p.Deltas[j]);
                }
            }
            h.Add(-4);
        }
        return h.Value;
    }

    private void HashOrder(StateHasher h, int slot)
    {
        ref var o = ref _orders[slot];
        ref var cold = ref _cold[slot];
        h.AddOrder(o.Id, _accountIds[o.Account], o.Side, o.Type, o.Tif, o.Stp, o.Flags, o.Price, o.Remaining, cold.TriggerPrice, cold.ExpireAt,
            cold.Sequence, cold.RestSequence);
    }
}
