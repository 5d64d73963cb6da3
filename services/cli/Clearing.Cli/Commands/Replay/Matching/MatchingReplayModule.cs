using System.Text.Json.Nodes;
using Clearing.Contracts.Matching.V1;
using Clearing.EventSourcing;
using Clearing.Matching.Application;
using Clearing.Matching.Domain;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Primitives.Markets;

namespace Clearing.Cli.Commands.Replay.Matching;

/// <summary>
/// `clearing replay matching`: time travel over a market's book (book-{market}). Matching stores the inputs of each
/// processing batch, not decisions, so the fold is the service's own start-up replay: a fresh MatchingPipeline (the
/// embedded market catalog, default MatchingOptions — what `clearing up` runs) replays the stored batches through the
/// very engine the service runs, checking each batch's sequences as the service does (a mismatch means this build or
/// configuration no longer reproduces the stored book, and says so). The state shows the engine's price levels, the
/// resting orders with their public ids (tracked from the public events the replay regenerated, and checked against the
/// engine's levels), status, mark, governance and the book's state hash.
/// No translator: matching publishes from its transactional processor, not an outbox, so republishing goes --raw.
/// No read model to rebuild; halt-{market} streams are listed as events (each one is a stored halt).
/// </summary>
internal sealed class MatchingReplayModule : FoldingReplayModule
{
    public override string Service => "matching";

    public override IOutboxTranslator? Translator => null;

    protected override IReadOnlyList<StreamFold> Folds { get; } =
    [
        new($"{BookStreams.Category}-{{market}}", StreamFold.InCategory(BookStreams.Category), FoldBook),
    ];

    private static JsonNode FoldBook(string stream, IReadOnlyList<RecordedEvent> events)
    {
        var market = stream[(BookStreams.Category.Length + 1)..];
        var catalog = MarketCatalog.EmbeddedDefaults;
        if (catalog.All.All(m => m.Symbol != market))
        {
            throw new InvalidDataException(
                $"{stream}: '{market}' is not in the embedded market catalog ({string.Join(", ", catalog.All.Select(m => m.Symbol))}); replay cannot rebuild its book");
        }
        var pipeline = new MatchingPipeline(catalog, new MatchingOptions());
        var resting = new RestingOrders();
        var output = new List<MatchingEvent>();
        foreach (var recorded in events)
        {
            output.Clear();
            pipeline.Replay((BookInputBatch)StreamFold.Decode(BookStreams.Serializer, recorded), output);
            foreach (var e in output)
            {
                resting.Apply(e);
            }
        }
        return Describe(pipeline.Book(market), resting);
    }

    private static JsonObject Describe(MarketBook book, RestingOrders resting)
    {
        var snapshot = book.Book();
        var spec = book.Spec;
        var bids = Levels(snapshot.Bids, spec);
        var asks = Levels(snapshot.Asks, spec);
        var orders = resting.Orders.ToList();
        // The public view agrees with the engine when every level's resting quantity is the sum of its orders.
        var agrees = SameLevels(orders.Where(o => o.Side == Clearing.Contracts.Orders.V1.Side.Buy), snapshot.Bids, spec)
            && SameLevels(orders.Where(o => o.Side == Clearing.Contracts.Orders.V1.Side.Sell), snapshot.Asks, spec);
        return new JsonObject
        {
            ["market"] = book.Market,
            ["sequence"] = book.Sequence,
            ["status"] = snapshot.Status.Code(),
            ["circuitBreaker"] = book.CircuitBreakerActive,
            ["markPrice"] = snapshot.MarkPrice is { } mark ? Price(mark, spec) : null,
            ["bestBid"] = snapshot.BestBid is { } bid ? Price(bid, spec) : null,
            ["bestAsk"] = snapshot.BestAsk is { } ask ? Price(ask, spec) : null,
            ["bids"] = bids,
            ["asks"] = asks,
            ["orders"] = new JsonArray(orders.Select(o => (JsonNode)new JsonObject
            {
                ["orderId"] = o.OrderId,
                ["accountId"] = o.AccountId,
                ["side"] = o.Side.ToString().ToLowerInvariant(),
                ["price"] = o.Price,
                ["remaining"] = o.Remaining,
            }).ToArray()),
            ["ordersAgreeWithBook"] = agrees,
            ["conditionalOrders"] = snapshot.Conditionals.Count,
            ["appliedHaltVersion"] = book.AppliedHaltVersion,
            ["appliedParamsVersion"] = book.AppliedParamsVersion,
            ["priceBandBps"] = book.PriceBandBps,
            ["stateHash"] = book.StateHash().ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static JsonArray Levels(IReadOnlyList<BookEntry> entries, Clearing.Matching.Domain.Instruments.InstrumentSpec spec) =>
        new(entries.GroupBy(e => e.Price).Select(level => (JsonNode)new JsonObject
        {
            ["price"] = Price(level.Key, spec),
            ["quantity"] = MarketBook.Format(spec.LotsToQuantity(level.Sum(e => e.Remaining))),
            ["orders"] = level.Count(),
        }).ToArray());

    private static bool SameLevels(IEnumerable<RestingOrder> orders, IReadOnlyList<BookEntry> entries, Clearing.Matching.Domain.Instruments.InstrumentSpec spec)
    {
        var fromEvents = orders.GroupBy(o => o.PriceValue).ToDictionary(g => g.Key, g => g.Sum(o => o.RemainingValue));
        var fromEngine = entries.GroupBy(e => spec.TicksToPrice(e.Price)).ToDictionary(g => g.Key, g => spec.LotsToQuantity(g.Sum(e => e.Remaining)));
        return fromEvents.Count == fromEngine.Count && fromEngine.All(l => fromEvents.TryGetValue(l.Key, out var q) && q == l.Value);
    }

    private static string Price(long ticks, Clearing.Matching.Domain.Instruments.InstrumentSpec spec) => MarketBook.Format(spec.TicksToPrice(ticks));

    private sealed record RestingOrder(string OrderId, string AccountId, Clearing.Contracts.Orders.V1.Side Side, string Price, string Remaining)
    {
        public decimal PriceValue => decimal.Parse(Price, System.Globalization.CultureInfo.InvariantCulture);

        public decimal RemainingValue => decimal.Parse(Remaining, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Resting orders by (account, client order id), as the public events the replay regenerated say them, in arrival order.</summary>
    private sealed class RestingOrders
    {
        private readonly Dictionary<(string Account, string Order), (RestingOrder Order, long Arrival)> _orders = [];
        private long _arrivals;

        public IEnumerable<RestingOrder> Orders => _orders.Values.OrderBy(o => o.Arrival).Select(o => o.Order);

        public void Apply(MatchingEvent e)
        {
            switch (e.EventCase)
            {
                case MatchingEvent.EventOneofCase.Rested:
                    _orders[(e.Rested.AccountId, e.Rested.OrderId)] =
                        (new RestingOrder(e.Rested.OrderId, e.Rested.AccountId, e.Rested.Side, e.Rested.Price, e.Rested.Remaining), ++_arrivals);
                    break;
                case MatchingEvent.EventOneofCase.Fill:
                    Reduce((e.Fill.MakerAccountId, e.Fill.MakerOrderId), e.Fill.MakerRemaining);
                    Reduce((e.Fill.TakerAccountId, e.Fill.TakerOrderId), e.Fill.TakerRemaining);
                    break;
                case MatchingEvent.EventOneofCase.Cancelled:
                    _orders.Remove((e.Cancelled.AccountId, e.Cancelled.OrderId));
                    break;
                case MatchingEvent.EventOneofCase.Amended when _orders.TryGetValue((e.Amended.AccountId, e.Amended.OrderId), out var amended):
                    // Losing priority sends the order to the back of its level.
                    _orders[(e.Amended.AccountId, e.Amended.OrderId)] = (amended.Order with { Price = e.Amended.Price, Remaining = e.Amended.Quantity },
                        e.Amended.KeptPriority ? amended.Arrival : ++_arrivals);
                    break;
            }
        }

        private void Reduce((string, string) key, string remaining)
        {
            if (!_orders.TryGetValue(key, out var resting))
            {
                return;
            }
            if (decimal.Parse(remaining, System.Globalization.CultureInfo.InvariantCulture) == 0m)
            {
                _orders.Remove(key);
            }
            else
            {
                _orders[key] = (resting.Order with { Remaining = remaining }, resting.Arrival);
            }
        }
    }
}
