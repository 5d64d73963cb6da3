using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Benchmarks.Matching;

/// <summary>A pre-generated command log: <see cref="Prefill"/> builds the starting book (untimed), <see cref="Commands"/> is measured.</summary>
public sealed record MatchingWorkload(string Name, EngineConfig Config, EngineCommand[] Prefill, EngineCommand[] Commands)
{
    public string Describe()
    {
        var engine = new MatchingEngine(Config);
        var buffer = new EventBuffer(1 << 12);
        foreach (var command in Prefill)
        {
            buffer.Clear();
            engine.Process(command, buffer);
        }
        var start = engine.Book(0);
        long trading = 0, fills = 0;
        var kinds = new Dictionary<string, int>();
        foreach (var command in Commands)
        {
            var kind = command.Kind == CommandKind.Place ? $"{command.Kind}-{command.TimeInForce}" : command.Kind.ToString();
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            buffer.Clear();
            engine.Process(command, buffer);
            var filled = 0;
            foreach (var e in buffer.AsSpan())
            {
                filled += e.Kind == EventKind.Filled ? 1 : 0;
            }
            fills += filled;
            trading += filled > 0 ? 1 : 0;
        }
        var end = engine.Book(0);
        static int Levels(BookSnapshot b) => b.Bids.Select(o => o.Price).Distinct().Count() + b.Asks.Select(o => o.Price).Distinct().Count();
        var mix = string.Join(", ", kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {100.0 * k.Value / Commands.Length:F1}%"));
        return $"{Name}: {Commands.Length:N0} ops ({mix}); ops that trade {100.0 * trading / Commands.Length:F1}%, {fills:N0} fills; "
            + $"resting orders {start.Bids.Count + start.Asks.Count:N0} → {end.Bids.Count + end.Asks.Count:N0} over {Levels(start):N0} → {Levels(end):N0} levels";
    }
}

public static class MatchingWorkloads
{
    private const long Mid = 1_000_000;

    private static EngineConfig Config(int capacity) => new()
    {
        InitialOrderCapacity = capacity,
        InitialAccountCapacity = 2_048,
        Instruments = [InstrumentSpec.Perpetual("BTC-PERP", "BTC", 0.5m, 0.001m) with { MaxOrderLots = 1_000_000 }],
    };

    /// <summary>
    /// The exchange-core benchmark mix: 82% move (amend price), 9% GTC place, 6% cancel, 3% IOC, about 1k users and
    /// about 1k resting orders over about 750 levels. Makers re-quote around a slowly drifting mid, so some moves and
    /// all IOCs trade.
    /// </summary>
    public static MatchingWorkload ExchangeCore(int operations = 3_000_000, int seed = 1) =>
        Generate("exchange-core mix", operations, seed, restingTarget: 1_000, halfWidth: 800, users: 1_000,
            (roll, g) => roll switch
            {
                // About one move in 25 re-quotes at the opposite best, so with the IOCs about 6% of operations trade.
                < 33 => g.AggressiveMove(),
                < 820 => g.Move(),
                < 910 => g.PlaceGtc(),
                < 970 => g.Cancel(),
                _ => g.Ioc(maxLots: 12),
            },
            isPlace: roll => roll is >= 820 and < 910, shrinkRoll: 950, isCancel: roll => roll is >= 910 and < 970, growRoll: 850, drift: 0.05);

    /// <summary>A deep book: about 1M resting orders over a few thousand levels; 50% place, 40% cancel, 10% aggressive IOC.</summary>
    public static MatchingWorkload DeepBook(int operations = 3_000_000, int restingOrders = 1_000_000, int seed = 2) =>
        Generate("deep book", operations, seed, restingTarget: restingOrders, halfWidth: 2_000, users: 10_000,
            (roll, g) => roll switch
            {
                < 500 => g.PlaceGtc(),
                < 900 => g.Cancel(),
                _ => g.Ioc(maxLots: 10),
            },
            isPlace: roll => roll < 500, shrinkRoll: 800, isCancel: roll => roll is >= 500 and < 900, growRoll: 100, drift: 0.02);

    private static MatchingWorkload Generate(string name, int operations, int seed, int restingTarget, int halfWidth, int users,
        Func<int, Generator, EngineCommand> pick, Func<int, bool> isPlace, int shrinkRoll, Func<int, bool> isCancel, int growRoll,
        double drift)
    {
        var config = Config(Math.Max(1 << 12, restingTarget * 2));
        var g = new Generator(new MatchingEngine(config), new Random(seed), halfWidth, users, drift);
        var prefill = new EngineCommand[restingTarget];
        for (var i = 0; i < prefill.Length; i++)
        {
            prefill[i] = g.Apply(g.PlaceGtc(prefill: true));
        }
        var commands = new EngineCommand[operations];
        for (var i = 0; i < commands.Length; i++)
        {
            g.Step();
            var roll = g.Random.Next(1000);
            // Keep the book near its target size: a place becomes a cancel while the book is too big, a cancel a place while it is too small.
            if (g.LiveCount > restingTarget * 1.05 && isPlace(roll))
            {
                roll = shrinkRoll;
            }
            else if (g.LiveCount < restingTarget * 0.95 && isCancel(roll))
            {
                roll = growRoll;
            }
            commands[i] = g.Apply(pick(roll, g));
        }
        return new MatchingWorkload(name, config, prefill, commands);
    }

    /// <summary>Tracks live orders through a real engine's events so every generated cancel and move targets a resting order.</summary>
    private sealed class Generator(MatchingEngine engine, Random random, int halfWidth, int users, double drift)
    {
        private readonly EventBuffer _events = new(1 << 12);
        private readonly List<long> _live = [];
        private readonly Dictionary<long, (int Index, Side Side, long Price, long Quantity, long Account)> _orders = [];
        private long _mid = Mid;
        private long _now;
        private long _nextId = 1;

        public Random Random { get; } = random;

        public int LiveCount => _live.Count;

        public void Step()
        {
            _now++;
            if (Random.NextDouble() < drift)
            {
                _mid += Random.Next(2) == 0 ? -1 : 1;
            }
        }

        private long QuotePrice(Side side) => side == Side.Buy ? _mid - 1 - Random.Next(halfWidth) : _mid + 1 + Random.Next(halfWidth);

        public EngineCommand PlaceGtc(bool prefill = false)
        {
            var side = (Side)Random.Next(2);
            return EngineCommand.Limit(_now, 0, _nextId++, 1 + Random.Next(users), side, QuotePrice(side), 1 + Random.Next(prefill ? 20 : 10));
        }

        /// <summary>An IOC priced a few ticks through the opposite best, so it trades whenever that side has orders.</summary>
        public EngineCommand Ioc(int maxLots)
        {
            var side = (Side)Random.Next(2);
            var best = engine.BestPrice(0, side == Side.Buy ? Side.Sell : Side.Buy) ?? _mid;
            var price = side == Side.Buy ? best + Random.Next(3) : best - Random.Next(3);
            return EngineCommand.Limit(_now, 0, _nextId++, 1 + Random.Next(users), side, price, 1 + Random.Next(maxLots), TimeInForce.ImmediateOrCancel);
        }

        public EngineCommand Cancel()
        {
            if (_live.Count == 0)
            {
                return PlaceGtc();
            }
            var id = _live[Random.Next(_live.Count)];
            return EngineCommand.Cancel(_now, 0, id, _orders[id].Account);
        }

        public EngineCommand AggressiveMove()
        {
            if (_live.Count == 0)
            {
                return PlaceGtc();
            }
            var id = _live[Random.Next(_live.Count)];
            var order = _orders[id];
            var best = engine.BestPrice(0, order.Side == Side.Buy ? Side.Sell : Side.Buy) ?? QuotePrice(order.Side);
            return EngineCommand.Amend(_now, 0, id, order.Account, best, order.Quantity);
        }

        public EngineCommand Move()
        {
            if (_live.Count == 0)
            {
                return PlaceGtc();
            }
            var id = _live[Random.Next(_live.Count)];
            var order = _orders[id];
            return EngineCommand.Amend(_now, 0, id, order.Account, QuotePrice(order.Side), order.Quantity);
        }

        public EngineCommand Apply(EngineCommand command)
        {
            _events.Clear();
            engine.Process(command, _events);
            foreach (var e in _events.AsSpan())
            {
                switch (e.Kind)
                {
                    case EventKind.Rested:
                        if (!_orders.ContainsKey(e.OrderId))
                        {
                            _orders[e.OrderId] = (_live.Count, e.Side, e.Price, e.Remaining, e.Account);
                            _live.Add(e.OrderId);
                        }
                        else
                        {
                            _orders[e.OrderId] = _orders[e.OrderId] with { Price = e.Price, Quantity = e.Remaining };
                        }
                        break;
                    case EventKind.Filled:
                        if (e.CounterRemaining == 0)
                        {
                            Remove(e.CounterOrderId);
                        }
                        else
                        {
                            _orders[e.CounterOrderId] = _orders[e.CounterOrderId] with { Quantity = e.CounterRemaining };
                        }
                        if (e.Remaining == 0)
                        {
                            Remove(e.OrderId);
                        }
                        break;
                    case EventKind.Cancelled:
                        Remove(e.OrderId);
                        break;
                }
            }
            return command;
        }

        private void Remove(long id)
        {
            if (!_orders.Remove(id, out var order))
            {
                return;
            }
            var last = _live[^1];
            _live[order.Index] = last;
            _live.RemoveAt(_live.Count - 1);
            if (last != id)
            {
                _orders[last] = _orders[last] with { Index = order.Index };
            }
        }
    }
}
