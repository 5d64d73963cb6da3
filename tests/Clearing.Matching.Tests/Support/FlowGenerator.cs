using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Matching.Tests.Support;

/// <summary>
/// Random but reproducible command flows that hit every feature: crossing limits, IOC/FOK/market, post-only,
/// reduce-only, quotes under protection, GTT, stops, amends (both kinds), cancels by the wrong account, duplicate ids,
/// marks, halts, expiries, tier changes. Randomness comes from a function so CsCheck can drive (and shrink) it.
/// </summary>
public sealed class FlowGenerator(Func<int, int> next)
{
    public const long FutureExpiry = 40_000;
    private const int Accounts = 8;
    private const long MarketMaker = 9;

    private readonly List<(long Id, long Account, int Market, Side Side, long Price, long Quantity)> _placed = [];
    private readonly long[] _mid = [1_000, 1_000, 50, 300];
    private long _now = 1;
    private long _nextId = 1;

    public int Places { get; private set; }

    public static FlowGenerator FromSeed(int seed)
    {
        var random = new Random(seed);
        return new FlowGenerator(random.Next);
    }

    /// <summary>Reads values from a list (wrapping), so a shrinking list of ints shrinks the flow.</summary>
    public static FlowGenerator FromValues(IReadOnlyList<int> values)
    {
        var index = 0;
        return new FlowGenerator(max => values.Count == 0 || max <= 1 ? 0 : (int)((uint)values[index++ % values.Count] % (uint)max));
    }

    /// <summary>Four markets, all on tick 1 / lot 1 so flows stay readable: a perpetual with fees, tiers and a band, a dated future,
    /// an option on the same underlying, and a second underlying.</summary>
    public static EngineConfig Config(int initialOrderCapacity = 1 << 12, int priceLadderSpan = 1 << 20) => new()
    {
        FeeTierCount = 2,
        InitialOrderCapacity = initialOrderCapacity,
        PriceLadderSpan = priceLadderSpan,
        Instruments =
        [
            new InstrumentSpec
            {
                Symbol = "BTC-PERP", Underlying = "BTC", TickSize = 0.5m, LotSize = 0.001m, MaxOrderLots = 40,
                PriceBandBps = 110, FeeTiers = [new FeeRate(-150, 450), new FeeRate(-25, 333)],
            },
            InstrumentSpec.DatedFuture("BTC-FUT", "BTC", 0.5m, 0.001m, FutureExpiry) with { FeeTiers = [new FeeRate(100, 100)] },
            InstrumentSpec.OptionSeries("BTC-C", "BTC", OptionRight.Call, 60_000m, FutureExpiry * 2, 0.1m, 0.1m) with { FeeDecimals = 4 },
            InstrumentSpec.Perpetual("ETH-PERP", "ETH", 0.01m, 0.01m),
        ],
    };

    public EngineCommand[] Take(int count)
    {
        var commands = new EngineCommand[count];
        for (var i = 0; i < count; i++)
        {
            commands[i] = Next();
        }
        return commands;
    }

    public EngineCommand Next()
    {
        _now += next(3);
        var roll = next(1000);
        var market = next(10) switch { < 6 => 0, 6 => 1, 7 => 2, _ => 3 };
        return roll switch
        {
            < 300 => Place(market, OrderType.Limit, TimeInForce.GoodTillCancel),
            < 350 => Place(market, OrderType.Limit, TimeInForce.GoodTillTime),
            < 430 => Place(market, OrderType.Limit, TimeInForce.ImmediateOrCancel),
            < 490 => Place(market, OrderType.Limit, TimeInForce.FillOrKill),
            < 530 => Place(market, OrderType.Market, next(3) == 0 ? TimeInForce.FillOrKill : TimeInForce.ImmediateOrCancel),
            < 580 => Place(market, (OrderType)(2 + next(4)), TimeInForce.GoodTillCancel),
            < 730 => Cancel(),
            < 850 => Amend(),
            < 860 => EngineCommand.MassCancel(_now, Account(), next(3) == 0 ? -1 : market),
            < 920 => Mark(market),
            < 950 => EngineCommand.AdvanceTime(_now += next(30)),
            < 960 => Status(market),
            < 970 => EngineCommand.AccountTier(_now, Account(), next(3)),
            < 980 => EngineCommand.ConfigureProtection(_now, next(4) == 0 ? Account() : MarketMaker, next(3), 1 + next(40),
                next(4) == 0 ? 0 : 1_000_000 * (1 + next(30)), next(3) == 0 ? 100_000_000 * next(5) : 0, next(60)),
            _ => Place(market, OrderType.Limit, TimeInForce.GoodTillCancel, MarketMaker, OrderFlags.Quote),
        };
    }

    private long Account() => 1 + next(Accounts);

    private EngineCommand Place(int market, OrderType type, TimeInForce tif, long account = 0, OrderFlags flags = OrderFlags.None)
    {
        Places++;
        account = account == 0 ? (next(10) == 0 ? MarketMaker : Account()) : account;
        var side = (Side)next(2);
        var price = next(200) switch
        {
            0 => -next(2),
            // Outliers far from the market exercise the book's overflow levels and window moves.
            1 => Math.Max(1, _mid[market] + ((next(2) == 0 ? -1 : 1) * (100 + next(5_000)))),
            _ => _mid[market] + next(25) - 12,
        };
        var quantity = next(100) switch { 0 => -next(2), 1 => 30 + next(30), _ => 1 + next(10) };
        flags |= next(100) switch { < 8 => OrderFlags.PostOnly, < 16 => OrderFlags.ReduceOnly, < 24 => OrderFlags.Quote, _ => OrderFlags.None };
        var stp = (SelfTradePrevention)next(3);
        var id = next(33) == 0 && _placed.Count > 0 ? _placed[next(_placed.Count)].Id : _nextId++;
        var expireAt = tif == TimeInForce.GoodTillTime ? _now + next(60) - 5 : 0;
        _placed.Add((id, account, market, side, price, quantity));
        if (type.IsConditional())
        {
            var trigger = _mid[market] + next(31) - 15;
            return EngineCommand.Conditional(_now, market, id, account, side, type, trigger, price, quantity, tif, flags, stp, expireAt);
        }
        return type == OrderType.Market
            ? EngineCommand.MarketOrder(_now, market, id, account, side, quantity, tif, flags & ~OrderFlags.PostOnly, stp)
            : EngineCommand.Limit(_now, market, id, account, side, price, quantity, tif, flags, stp, expireAt);
    }

    private (long Id, long Account, int Market, Side Side, long Price, long Quantity) Recent()
    {
        if (_placed.Count == 0)
        {
            return (12345, 1, 0, Side.Buy, 1000, 1);
        }
        var window = Math.Min(_placed.Count, 300);
        return _placed[_placed.Count - 1 - next(window)];
    }

    private EngineCommand Cancel()
    {
        var (id, account, market, _, _, _) = Recent();
        return next(20) switch
        {
            0 or 1 => EngineCommand.Cancel(_now, market, id, Account()),
            2 => EngineCommand.Cancel(_now, (market + 1) % 4, id, account),
            3 => EngineCommand.Cancel(_now, market, _nextId + 1000, account),
            _ => EngineCommand.Cancel(_now, market, id, account),
        };
    }

    private EngineCommand Amend()
    {
        var (id, account, market, side, price, quantity) = Recent();
        if (next(15) == 0)
        {
            account = Account();
        }
        return next(4) switch
        {
            // Across the mid: likely to cross, so amends trade (and post-only amends get refused).
            3 => EngineCommand.Amend(_now, market, id, account, _mid[market] + (side == Side.Buy ? next(8) : -next(8)), quantity),
            0 => EngineCommand.Amend(_now, market, id, account, price, Math.Max(1, quantity - next(3))),
            1 => EngineCommand.Amend(_now, market, id, account, price, quantity + next(4)),
            _ => EngineCommand.Amend(_now, market, id, account, _mid[market] + next(25) - 12, 1 + next(10)),
        };
    }

    private EngineCommand Mark(int market)
    {
        _mid[market] = Math.Max(20, _mid[market] + next(21) - 10);
        return EngineCommand.MarkPrice(_now, market, next(200) == 0 ? 0 : _mid[market], 1_000 + next(8_000));
    }

    private EngineCommand Status(int market)
    {
        var status = next(10) switch
        {
            0 when market is 1 or 2 => MarketStatus.Expired,
            < 3 => MarketStatus.Halted,
            < 9 => MarketStatus.Open,
            _ => MarketStatus.PreOpen,
        };
        return EngineCommand.MarketStatusChange(_now, market, status);
    }
}
