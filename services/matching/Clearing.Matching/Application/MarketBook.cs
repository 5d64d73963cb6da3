using System.Globalization;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;
using Clearing.Primitives.Markets;
using Proto = Clearing.Contracts.Orders.V1;

namespace Clearing.Matching.Application;

/// <summary>
/// One market's book as the host runs it: the engine plus everything the engine does not know — string account and
/// client order ids interned to the engine's longs, per-order metadata that fills carry (client id, margin mode,
/// isolated collateral, origin), command-id de-duplication, the oracle's circuit breaker, the applied halt, and the
/// gap-free public sequence. Deterministic and single-threaded: the same inputs give the same events, byte for byte,
/// and the same <see cref="StateHash"/>; every table here is rebuilt by replaying the stored inputs.
/// </summary>
public sealed partial class MarketBook
{
    /// <summary>The engine market index: one engine per market (see <see cref="InstrumentMapping.EngineConfigFor"/>).</summary>
    private const int EngineMarket = 0;

    private readonly MatchingEngine _engine;
    private readonly EventBuffer _buffer = new(256);
    private readonly decimal _feeUnit;
    private readonly int _rememberedCommandIds;
    private readonly Dictionary<string, long> _accountIds = new(StringComparer.Ordinal);
    private readonly List<string> _accountNames = [];
    private readonly Dictionary<(string Account, string ClientOrderId), long> _orderIds = [];
    private readonly Dictionary<long, OrderMeta> _orders = [];
    private readonly HashSet<string> _commandIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _commandIdOrder = new();
    private readonly List<long> _finished = [];
    private long _nextOrderId;
    private long _lastPriceSequence = long.MinValue;
    private long _haltVersion = -1;
    private string _haltReason = "";
    private bool _circuitBreaker;
    private long _mark;
    private long _now = long.MinValue;
    private readonly FeeSchedule _fees;
    private readonly Dictionary<string, int> _accountTiers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProtectionRule> _rules;
    private readonly Dictionary<string, AccountProtection> _protection = new(StringComparer.Ordinal);
    private readonly List<ProtectionInput> _recentTrips = [];
    private readonly List<string> _protectionTouched = [];
    private long _lastTrip;
    private string? _cancelReasonOverride;

    public MarketBook(MarketDefinition market, int catalogIndex, BookSettings settings)
    {
        var options = settings.Options;
        Definition = market;
        CatalogIndex = catalogIndex;
        Settings = settings;
        _fees = settings.Fees;
        Spec = InstrumentMapping.ToSpec(market, options, _fees);
        _engine = new MatchingEngine(InstrumentMapping.EngineConfigFor(Spec, options));
        _feeUnit = 1m / Pow10(options.FeeDecimals);
        _rememberedCommandIds = options.RememberedCommandIds;
        _rules = settings.Protection.Where(r => r.Key.Underlying == market.Underlying).ToDictionary(r => r.Key.Account, r => r.Value, StringComparer.Ordinal);
        InitialiseGovernance();
    }

    public BookSettings Settings { get; }

    public string Market => Definition.Symbol;

    public MarketDefinition Definition { get; }

    /// <summary>The market's place in the catalog (<see cref="MarketCatalog.IndexOf"/>), the same in every service.</summary>
    public int CatalogIndex { get; }

    public InstrumentSpec Spec { get; }

    /// <summary>Sequence of the last event this book emitted; the next one is Sequence + 1.</summary>
    public long Sequence { get; private set; }

    public bool CircuitBreakerActive => _circuitBreaker;

    public BookSnapshot Book() => _engine.Book(EngineMarket);

    /// <summary>The engine's hash folded with the host tables, so a restart that lost a mapping is caught as surely as a lost order.</summary>
    public ulong StateHash()
    {
        var h = new StateHasher();
        h.Add((long)_engine.StateHash());
        h.Add(Sequence);
        h.Add(_nextOrderId);
        h.Add(_lastPriceSequence);
        h.Add(_haltVersion);
        h.Add(_circuitBreaker ? 1 : 0);
        h.Add(_mark);
        h.Add(_accountNames.Count);
        h.Add(_orderIds.Count);
        h.Add(_commandIds.Count);
        foreach (var id in _orders.Keys.Order())
        {
            h.Add(id);
            h.Add(_orders[id].Remaining);
        }
        h.Add(_lastTrip);
        foreach (var account in _protection.Keys.Order(StringComparer.Ordinal))
        {
            var p = _protection[account];
            h.Add(_accountIds.GetValueOrDefault(account, -1));
            h.Add(p.FrozenUntil);
            foreach (var f in p.Fills)
            {
                h.Add(f.Time);
                h.Add(f.Quantity);
                h.Add(f.DeltaLow);
                h.Add(f.DeltaHigh);
            }
        }
        foreach (var account in _accountTiers.Keys.Order(StringComparer.Ordinal))
        {
            h.Add(_accountIds.GetValueOrDefault(account, -1));
            h.Add(_accountTiers[account]);
        }
        HashGovernance(h);
        return h.Value;
    }

    /// <summary>
    /// Feeds one input; appends its events to <paramref name="output"/>. Returns false when the input was already
    /// applied (a repeated command id, an oracle sequence or halt version already seen): it changed nothing and
    /// need not be stored.
    /// </summary>
    public bool Apply(BookInput input, List<MatchingEvent> output)
    {
        _protectionTouched.Clear();
        if (input.Protection is { } protection)
        {
            return ApplyProtection(protection, output);
        }
        if (input.Order is { } order)
        {
            return ApplyOrder(order, output);
        }
        if (input.Price is { } price)
        {
            return ApplyPrice(price, output);
        }
        if (input.Halt is { } halt)
        {
            return ApplyHalt(halt, output);
        }
        if (input.Params is { } parameters)
        {
            return ApplyParams(parameters, output);
        }
        throw new ArgumentException("a book input needs an order, a price, a halt, a protection trip or governed parameters", nameof(input));
    }

    // ───────────────────────────── order commands ─────────────────────────────

    private bool ApplyOrder(OrderInput o, List<MatchingEvent> output)
    {
        if (o.CommandId.Length > 0 && !RememberCommand(o.CommandId))
        {
            return false;
        }
        Tick(o.Time);
        if (o.CommandId.Length == 0)
        {
            Reject(o, "missing-command-id", output);
            return true;
        }
        if (o.Account.Length == 0)
        {
            Reject(o, "missing-account", output);
            return true;
        }
        SyncFeeTier(o, output);
        switch (o.Action)
        {
            case "place":
                Place(o, output);
                break;
            case "cancel":
                Cancel(o, output);
                break;
            case "amend":
                Amend(o, output);
                break;
            case "cancel-all":
                if (_accountIds.TryGetValue(o.Account, out var account))
                {
                    Run(EngineCommand.MassCancel(o.Time, account, EngineMarket), o.CommandId, o, output);
                }
                break;
            default:
                Reject(o, "empty-command", output);
                break;
        }
        return true;
    }

    private void Place(OrderInput o, List<MatchingEvent> output)
    {
        var reason = Validate(o, out var command);
        if (reason is null && _orderIds.ContainsKey((o.Account, o.OrderId!)))
        {
            reason = RejectReason.DuplicateOrderId.Code();
        }
        // The oracle's breaker stops exposure from growing on every market of the underlying; closing stays possible.
        if (reason is null && _circuitBreaker && !o.ReduceOnly)
        {
            reason = "circuit-breaker";
        }
        if (reason is null && o.IsQuote && _protection.TryGetValue(o.Account, out var frozen) && _now < frozen.FrozenUntil)
        {
            reason = RejectReason.ProtectionFrozen.Code();
        }
        if (reason is not null)
        {
            Reject(o, reason, output);
            return;
        }

        command.OrderId = ++_nextOrderId;
        command.Account = Intern(o.Account);
        _orderIds.Add((o.Account, o.OrderId!), command.OrderId);
        _orders.Add(command.OrderId, new OrderMeta(o, command.Account, command.Price, command.Quantity));
        Run(command, o.CommandId, o, output);
        if (_orders.TryGetValue(command.OrderId, out var meta) && meta.Rejected)
        {
            // Refused by the engine (halted market, price band…): the client id was never live, so it stays free.
            _orderIds.Remove((o.Account, o.OrderId!));
            _orders.Remove(command.OrderId);
        }
    }

    private string? Validate(OrderInput o, out EngineCommand command)
    {
        command = default;
        if (string.IsNullOrEmpty(o.OrderId))
        {
            return "missing-order-id";
        }
        Side side;
        switch (o.Side)
        {
            case Proto.Side.Buy:
                side = Side.Buy;
                break;
            case Proto.Side.Sell:
                side = Side.Sell;
                break;
            default:
                return "missing-side";
        }
        OrderType type;
        switch (o.Kind)
        {
            case Proto.OrderKind.Limit:
                type = OrderType.Limit;
                break;
            case Proto.OrderKind.Market:
                type = OrderType.Market;
                break;
            case Proto.OrderKind.StopMarket:
                type = OrderType.StopMarket;
                break;
            case Proto.OrderKind.StopLimit:
                type = OrderType.StopLimit;
                break;
            case Proto.OrderKind.TakeProfit:
                type = o.Price is null ? OrderType.TakeProfitMarket : OrderType.TakeProfitLimit;
                break;
            default:
                return "missing-order-kind";
        }
        var tif = o.TimeInForce switch
        {
            Proto.TimeInForce.Gtt => TimeInForce.GoodTillTime,
            Proto.TimeInForce.Ioc => TimeInForce.ImmediateOrCancel,
            Proto.TimeInForce.Fok => TimeInForce.FillOrKill,
            _ => type == OrderType.Market ? TimeInForce.ImmediateOrCancel : TimeInForce.GoodTillCancel,
        };
        if (tif == TimeInForce.GoodTillTime && o.ExpireAt <= 0)
        {
            return "missing-expiry";
        }
        var stp = o.Stp switch
        {
            Proto.SelfTradePrevention.CancelTaker => SelfTradePrevention.CancelTaker,
            Proto.SelfTradePrevention.CancelBoth => SelfTradePrevention.CancelBoth,
            _ => SelfTradePrevention.CancelMaker,
        };

        long price = 0;
        if (type.IsLimitPriced())
        {
            if (o.Price is null)
            {
                return "missing-price";
            }
            if (!TryParse(o.Price, out var value))
            {
                return "malformed-price";
            }
            var reason = Spec.TryPriceToTicks(value, out price);
            if (reason != RejectReason.None)
            {
                return reason.Code();
            }
        }
        long trigger = 0;
        if (type.IsConditional())
        {
            if (o.TriggerPrice is null)
            {
                return "missing-trigger-price";
            }
            if (!TryParse(o.TriggerPrice, out var value))
            {
                return "malformed-trigger-price";
            }
            var reason = Spec.TryPriceToTicks(value, out trigger);
            if (reason != RejectReason.None)
            {
                return "trigger-" + reason.Code();
            }
        }
        if (o.Quantity is null)
        {
            return "missing-quantity";
        }
        if (!TryParse(o.Quantity, out var quantity))
        {
            return "malformed-quantity";
        }
        var lotReason = Spec.TryQuantityToLots(quantity, out var lots);
        if (lotReason != RejectReason.None)
        {
            return lotReason.Code();
        }

        var flags = (o.PostOnly ? OrderFlags.PostOnly : OrderFlags.None) | (o.ReduceOnly ? OrderFlags.ReduceOnly : OrderFlags.None)
            | (o.IsQuote ? OrderFlags.Quote : OrderFlags.None);
        command = new EngineCommand
        {
            Kind = CommandKind.Place, Timestamp = o.Time, Market = EngineMarket, Side = side, Type = type, Price = price,
            Quantity = lots, TimeInForce = tif, Flags = flags, Stp = stp, TriggerPrice = trigger,
            ExpireAt = tif == TimeInForce.GoodTillTime ? o.ExpireAt : 0,
        };
        return null;
    }

    private void Cancel(OrderInput o, List<MatchingEvent> output)
    {
        if (!TryFindOrder(o, output, out var orderId))
        {
            return;
        }
        Run(EngineCommand.Cancel(o.Time, EngineMarket, orderId, _accountIds[o.Account]), o.CommandId, o, output);
    }

    private void Amend(OrderInput o, List<MatchingEvent> output)
    {
        if (!TryFindOrder(o, output, out var orderId))
        {
            return;
        }
        if (!_orders.TryGetValue(orderId, out var meta))
        {
            Reject(o, RejectReason.NotResting.Code(), output);
            return;
        }
        var price = meta.Price;
        if (o.Price is not null)
        {
            if (!TryParse(o.Price, out var value))
            {
                Reject(o, "malformed-price", output);
                return;
            }
            var reason = Spec.TryPriceToTicks(value, out price);
            if (reason != RejectReason.None)
            {
                Reject(o, reason.Code(), output);
                return;
            }
        }
        var lots = meta.Remaining;
        if (o.Quantity is not null)
        {
            if (!TryParse(o.Quantity, out var value))
            {
                Reject(o, "malformed-quantity", output);
                return;
            }
            var reason = Spec.TryQuantityToLots(value, out lots);
            if (reason != RejectReason.None)
            {
                Reject(o, reason.Code(), output);
                return;
            }
        }
        Run(EngineCommand.Amend(o.Time, EngineMarket, orderId, meta.AccountId, price, lots), o.CommandId, o, output);
    }

    private bool TryFindOrder(OrderInput o, List<MatchingEvent> output, out long orderId)
    {
        orderId = 0;
        if (string.IsNullOrEmpty(o.OrderId))
        {
            Reject(o, "missing-order-id", output);
            return false;
        }
        // Client order ids are per account, so another account's id is simply not found: nobody cancels what is not theirs.
        if (!_orderIds.TryGetValue((o.Account, o.OrderId), out orderId))
        {
            Reject(o, "unknown-order", output);
            return false;
        }
        return true;
    }

    // ───────────────────────────── oracle and halts ─────────────────────────────

    private bool ApplyPrice(PriceInput p, List<MatchingEvent> output)
    {
        if (p.Sequence <= _lastPriceSequence)
        {
            return false;
        }
        _lastPriceSequence = p.Sequence;
        Tick(p.Time);
        _circuitBreaker = p.Status switch
        {
            PriceStatus.CircuitBreaker => true,
            PriceStatus.Ok => false,
            _ => _circuitBreaker,
        };
        // Only a healthy update moves the mark (a stale or tripped oracle must not fire stops); every update moves the clock.
        if (p.Status == PriceStatus.Ok && p.Mark is not null && TryParse(p.Mark, out var mark) && mark > 0)
        {
            var ticks = decimal.ToInt64(Math.Min(Math.Round(mark / Spec.TickSize, MidpointRounding.AwayFromZero), Spec.MaxPriceTicks));
            if (ticks >= 1)
            {
                _mark = ticks;
                Run(EngineCommand.MarkPrice(p.Time, EngineMarket, ticks), "", null, output);
                return true;
            }
        }
        Run(EngineCommand.AdvanceTime(p.Time), "", null, output);
        return true;
    }

    private bool ApplyHalt(HaltInput halt, List<MatchingEvent> output)
    {
        if (halt.HaltVersion <= _haltVersion)
        {
            return false;
        }
        _haltVersion = halt.HaltVersion;
        _haltReason = $"halted by {halt.HaltedBy}: {halt.Reason}";
        Tick(halt.Time);
        if (_governedHalt && _engine.StatusOf(EngineMarket) == MarketStatus.Halted)
        {
            // Already halted by governance: the emergency halt is recorded (it outlasts a governed resume) without a second status change.
            return true;
        }
        Run(EngineCommand.MarketStatusChange(halt.Time, EngineMarket, MarketStatus.Halted), "", null, output);
        return true;
    }

    /// <summary>The halt stream version this book has applied; -1 when none.</summary>
    public long AppliedHaltVersion => _haltVersion;

    // ───────────────────────────── engine → public events ─────────────────────────────

    private void Run(in EngineCommand command, string commandId, OrderInput? input, List<MatchingEvent> output)
    {
        _buffer.Clear();
        _engine.Process(command, _buffer);
        var incoming = command.Kind == CommandKind.Place ? command.OrderId : 0;
        foreach (ref readonly var e in _buffer.AsSpan())
        {
            var evt = Translate(e, commandId, input, incoming);
            if (evt is not null)
            {
                evt.Sequence = ++Sequence;
                output.Add(evt);
            }
        }
        foreach (var id in _finished)
        {
            if (_orders.TryGetValue(id, out var meta) && !meta.Rejected)
            {
                _orders.Remove(id);
            }
        }
        _finished.Clear();
    }

    private MatchingEvent? Translate(in MatchEvent e, string commandId, OrderInput? input, long incoming)
    {
        var evt = new MatchingEvent { Market = Market, TimeUnixNanos = e.Timestamp, CommandId = commandId };
        _orders.TryGetValue(e.OrderId, out var meta);
        switch (e.Kind)
        {
            case EventKind.Accepted:
                evt.Accepted = new OrderAccepted
                {
                    OrderId = meta!.ClientOrderId, AccountId = meta.Account, Side = meta.Side, Kind = meta.Kind,
                    Price = e.OrderType.IsLimitPriced() ? Price(e.Price) : "", Quantity = Lots(e.Quantity),
                    TimeInForce = ToProto(e.TimeInForce), ReduceOnly = meta.ReduceOnly, MarginMode = meta.MarginMode, Origin = meta.Origin,
                };
                break;
            case EventKind.Rejected:
                if (meta is not null && e.Command == CommandKind.Place)
                {
                    meta.Rejected = true;
                }
                evt.Rejected = new OrderRejected
                {
                    OrderId = meta?.ClientOrderId ?? input?.OrderId ?? "", AccountId = meta?.Account ?? input?.Account ?? "",
                    Reason = e.RejectReason.Code(),
                };
                break;
            case EventKind.Rested:
                meta!.Price = e.Price;
                meta.Remaining = e.Remaining;
                evt.Rested = new OrderRested
                {
                    OrderId = meta.ClientOrderId, AccountId = meta.Account, Side = meta.Side, Price = Price(e.Price), Remaining = Lots(e.Remaining),
                };
                break;
            case EventKind.Filled:
                var maker = _orders[e.CounterOrderId];
                maker.Remaining = e.CounterRemaining;
                meta!.Remaining = e.Remaining;
                if (e.Remaining == 0)
                {
                    _finished.Add(e.OrderId);
                }
                if (e.CounterRemaining == 0)
                {
                    _finished.Add(e.CounterOrderId);
                }
                evt.Fill = new Fill
                {
                    FillId = string.Create(CultureInfo.InvariantCulture, $"{Market}:{Sequence + 1}"),
                    Price = Price(e.Price), Quantity = Lots(e.Quantity), TakerSide = meta.Side,
                    TakerOrderId = meta.ClientOrderId, TakerAccountId = meta.Account,
                    MakerOrderId = maker.ClientOrderId, MakerAccountId = maker.Account,
                    TakerFee = Fee(e.TakerFee), MakerFee = Fee(e.MakerFee), FeeAsset = Definition.QuoteAsset,
                    TakerRemaining = Lots(e.Remaining), MakerRemaining = Lots(e.CounterRemaining),
                    TakerMarginMode = meta.MarginMode, MakerMarginMode = maker.MarginMode,
                    TakerOrigin = meta.Origin, MakerOrigin = maker.Origin,
                    TakerIsolatedCollateral = meta.IsolatedCollateral, MakerIsolatedCollateral = maker.IsolatedCollateral,
                    TakerFeeTier = _fees.NameOf(_accountTiers.GetValueOrDefault(meta.Account)),
                    MakerFeeTier = _fees.NameOf(_accountTiers.GetValueOrDefault(maker.Account)),
                };
                if (meta.IsQuote)
                {
                    RecordProtection(meta.Account, meta.Side, e.Quantity);
                }
                if (maker.IsQuote)
                {
                    RecordProtection(maker.Account, maker.Side, e.Quantity);
                }
                break;
            case EventKind.Cancelled:
                _finished.Add(e.OrderId);
                if (e.CancelReason is CancelReason.Expired or CancelReason.InstrumentExpired)
                {
                    evt.CommandId = "";
                }
                evt.Cancelled = new OrderCancelled
                {
                    OrderId = meta!.ClientOrderId, AccountId = meta.Account, Quantity = Lots(e.Remaining),
                    Reason = _cancelReasonOverride ?? CancelCode(e.CancelReason, isIncoming: e.OrderId == incoming),
                };
                break;
            case EventKind.Amended:
                meta!.Price = e.Price;
                meta.Remaining = e.Quantity;
                evt.Amended = new OrderAmended
                {
                    OrderId = meta.ClientOrderId, AccountId = meta.Account, Price = Price(e.Price), Quantity = Lots(e.Quantity),
                    KeptPriority = e.KeptPriority,
                };
                break;
            case EventKind.Triggered:
                evt.Triggered = new OrderTriggered
                {
                    OrderId = meta!.ClientOrderId, AccountId = meta.Account, TriggerPrice = Price(e.Aux), MarkPrice = Price(_mark),
                };
                break;
            case EventKind.MarketStatusChanged:
                if (e.Status == MarketStatus.Expired)
                {
                    evt.CommandId = "";
                }
                evt.StatusChanged = new MarketStatusChanged
                {
                    Status = e.Status.Code(),
                    Reason = e.Status switch
                    {
                        MarketStatus.Expired => "instrument-expiry",
                        MarketStatus.Halted => _haltReason,
                        MarketStatus.Open when _governedHalt is false && _paramsVersion >= 0 => ResumeReason,
                        _ => "",
                    },
                };
                break;
            case EventKind.ProtectionTriggered:
                evt.ProtectionTriggered = new ProtectionTriggered
                {
                    AccountId = NameOf(e.Account), Underlying = Definition.Underlying, FrozenUntilUnixNanos = e.Aux,
                };
                break;
            default:
                throw new InvalidOperationException($"{Market}: the engine emitted an event kind the host does not know: {e.Kind}");
        }
        return evt;
    }

    private void Reject(OrderInput o, string reason, List<MatchingEvent> output) =>
        output.Add(new MatchingEvent
        {
            Market = Market, Sequence = ++Sequence, TimeUnixNanos = Math.Max(_now, o.Time), CommandId = o.CommandId,
            Rejected = new OrderRejected { OrderId = o.OrderId ?? "", AccountId = o.Account, Reason = reason },
        });

    /// <summary>The public codes listed in matching_events.proto; a self-trade cancel says which side it hit.</summary>
    private static string CancelCode(CancelReason reason, bool isIncoming) => reason switch
    {
        CancelReason.UserRequested => "user",
        CancelReason.MassCancel => "mass-cancel",
        CancelReason.ImmediateOrCancel => "ioc-remainder",
        CancelReason.FillOrKill => "fok-unfilled",
        CancelReason.PostOnlyWouldCross => "post-only-cross",
        CancelReason.SelfTradePrevention => isIncoming ? "stp-taker" : "stp-maker",
        CancelReason.Expired => "expired",
        CancelReason.InstrumentExpired => "market-expired",
        CancelReason.MarketMakerProtection => "protection",
        CancelReason.ReduceOnly => "reduce-only",
        _ => reason.Code(),
    };

    private static Proto.TimeInForce ToProto(TimeInForce tif) => tif switch
    {
        TimeInForce.GoodTillTime => Proto.TimeInForce.Gtt,
        TimeInForce.ImmediateOrCancel => Proto.TimeInForce.Ioc,
        TimeInForce.FillOrKill => Proto.TimeInForce.Fok,
        _ => Proto.TimeInForce.Gtc,
    };

    private void Tick(long time) => _now = Math.Max(_now, time);

    private bool RememberCommand(string commandId)
    {
        if (!_commandIds.Add(commandId))
        {
            return false;
        }
        _commandIdOrder.Enqueue(commandId);
        if (_commandIdOrder.Count > _rememberedCommandIds)
        {
            _commandIds.Remove(_commandIdOrder.Dequeue());
        }
        return true;
    }

    private long Intern(string account)
    {
        if (!_accountIds.TryGetValue(account, out var id))
        {
            _accountNames.Add(account);
            id = _accountNames.Count;
            _accountIds.Add(account, id);
        }
        return id;
    }

    private string NameOf(long account) => account >= 1 && account <= _accountNames.Count ? _accountNames[(int)account - 1] : "";

    private string Price(long ticks) => Format(Spec.TicksToPrice(ticks));

    private string Lots(long lots) => Format(Spec.LotsToQuantity(lots));

    private string Fee(long units) => Format(units * _feeUnit);

    /// <summary>Canonical decimal text (no exponent, no trailing zeros): the same amount always has the same bytes.</summary>
    public static string Format(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    public static bool TryParse(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static decimal Pow10(int exponent)
    {
        var value = 1m;
        for (var i = 0; i < exponent; i++)
        {
            value *= 10;
        }
        return value;
    }

    private sealed class OrderMeta(OrderInput input, long accountId, long price, long quantity)
    {
        public string ClientOrderId { get; } = input.OrderId!;
        public string Account { get; } = input.Account;
        public long AccountId { get; } = accountId;
        public Proto.Side Side { get; } = input.Side;
        public Proto.OrderKind Kind { get; } = input.Kind;
        public bool ReduceOnly { get; } = input.ReduceOnly;
        public Proto.MarginMode MarginMode { get; } = input.MarginMode == Proto.MarginMode.Unspecified ? Proto.MarginMode.Cross : input.MarginMode;
        public Proto.Origin Origin { get; } = input.Origin;
        public string IsolatedCollateral { get; } = input.MarginMode == Proto.MarginMode.Isolated ? input.IsolatedCollateral ?? "" : "";
        public bool IsQuote { get; } = input.IsQuote;
        public long Price { get; set; } = price;
        public long Remaining { get; set; } = quantity;
        public bool Rejected { get; set; }
    }
}
