using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Clearing.Contracts;
using Clearing.Contracts.Gateway.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Settlement.V1;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.Primitives.Markets;
using Clearing.Settlement.Domain.Expiry;
using Clearing.Settlement.Domain.Ledger;
using Confluent.Kafka;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>
/// The expiry scenario's instruments and verdict. `demo --scenario expiry` (or `up --expiring-in`) adds a BTC future and
/// three BTC options expiring shortly after start to the stack's market catalog, with a short TWAP window; the
/// simulator opens a position in each through the gateway, leaves a resting order on each book, publishes the index
/// through expiry, and then checks through the public topics and margin's API that: the settlement price of each is the
/// TWAP of the index the oracle published (recomputed here from the prices topic with settlement's rule), every
/// position was settled in cash at that price (futures) or at intrinsic value (options), no position remains,
/// matching expired the market and cancelled its book.
/// </summary>
internal sealed class ExpiryPlay : IDisposable
{
    public const string Future = "BTC-EXPIRY";

    /// <summary>A minute of TWAP instead of the production 30 (REFERENCE.md): the scenario must finish in minutes.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>The expiry the scenario falls back to when the stack runs the catalog of an earlier `up --expiring-in`.</summary>
    public const string ExpiryFileName = "expiry.txt";

    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly string _bootstrap;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<IndexObservation> _index = [];
    private readonly Dictionary<string, SettlementPriceFixed> _fixed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _expired = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _restingCancelReason = new(StringComparer.Ordinal);
    private readonly List<(string Market, string Taker, string Maker, OrderSide TakerSide, decimal Quantity, decimal Price)> _fills = [];
    private readonly ConcurrentDictionary<string, string> _restingOrders = new(StringComparer.Ordinal);
    private Task? _loop;

    public ExpiryPlay(string bootstrapServers, DateTimeOffset expiry)
    {
        _bootstrap = bootstrapServers;
        Expiry = expiry;
        _consumer = SimulatorConsumer.Create(bootstrapServers, "clearing-simulate-expiry");
    }

    public DateTimeOffset Expiry { get; }

    public static IReadOnlyList<MarketDefinition> Markets(DateTimeOffset expiry) =>
    [
        new() { Symbol = Future, Kind = MarketKind.Future, Underlying = "BTC", TickSize = 0.5m, LotSize = 0.001m, MinOrderSize = 0.001m, MaxOrderSize = 1_000m, Expiry = expiry },
        Option(expiry, 95_000m, OptionRight.Call),
        Option(expiry, 105_000m, OptionRight.Put),
        Option(expiry, 110_000m, OptionRight.Call),
    ];

    private static MarketDefinition Option(DateTimeOffset expiry, decimal strike, OptionRight right) => new()
    {
        Symbol = $"{Future}-{strike.ToString("0", CultureInfo.InvariantCulture)}-{(right == OptionRight.Call ? "C" : "P")}", Kind = MarketKind.Option,
        Underlying = "BTC", TickSize = 0.5m, LotSize = 0.01m, MinOrderSize = 0.01m, MaxOrderSize = 100m, PriceBand = 0m, MakerFee = 0.0002m,
        TakerFee = 0.0003m, Expiry = expiry, Strike = strike, Right = right,
    };

    /// <summary>
    /// Environment for every service of the stack: the embedded default markets plus the expiring ones (the Markets
    /// section replaces the whole catalog, and every service must agree on it), and settlement's short window.
    /// </summary>
    public static Dictionary<string, string> Environment(DateTimeOffset expiry)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Settlement__Expiry__Window"] = Window.ToString("c", CultureInfo.InvariantCulture),
            ["Settlement__Expiry__Grace"] = Grace.ToString("c", CultureInfo.InvariantCulture),
            ["Settlement__TimerInterval"] = "00:00:01",
        };
        var all = MarketCatalog.EmbeddedDefaults.All.Concat(Markets(expiry)).ToList();
        for (var i = 0; i < all.Count; i++)
        {
            var m = all[i];
            var prefix = $"Markets__{i.ToString(CultureInfo.InvariantCulture)}__";
            environment[prefix + "Symbol"] = m.Symbol;
            environment[prefix + "Kind"] = m.Kind.ToString();
            environment[prefix + "Underlying"] = m.Underlying;
            environment[prefix + "QuoteAsset"] = m.QuoteAsset;
            environment[prefix + "TickSize"] = Text(m.TickSize);
            environment[prefix + "LotSize"] = Text(m.LotSize);
            environment[prefix + "MinOrderSize"] = Text(m.MinOrderSize);
            environment[prefix + "MaxOrderSize"] = Text(m.MaxOrderSize);
            environment[prefix + "PriceBand"] = Text(m.PriceBand);
            environment[prefix + "MakerFee"] = Text(m.MakerFee);
            environment[prefix + "TakerFee"] = Text(m.TakerFee);
            if (m.Expiry is { } at)
            {
                environment[prefix + "Expiry"] = at.ToString("O", CultureInfo.InvariantCulture);
            }
            if (m.Strike is { } strike)
            {
                environment[prefix + "Strike"] = Text(strike);
            }
            if (m.Right is { } right)
            {
                environment[prefix + "Right"] = right.ToString();
            }
        }
        return environment;
    }

    /// <summary>Records the expiry beside the stack so a later `simulate --scenario expiry` against it knows when its markets expire.</summary>
    public static void WriteExpiry(DirectoryInfo data, DateTimeOffset expiry) =>
        File.WriteAllText(Path.Combine(data.FullName, ExpiryFileName), expiry.ToString("O", CultureInfo.InvariantCulture));

    public static DateTimeOffset? ReadExpiry(DirectoryInfo data)
    {
        var path = Path.Combine(data.FullName, ExpiryFileName);
        return File.Exists(path) ? DateTimeOffset.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture) : null;
    }

    public void Start()
    {
        var assignments = new List<TopicPartitionOffset>();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _bootstrap }).Build())
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            foreach (var topic in metadata.Topics.Where(t => t.Topic is Topics.OraclePrices or Topics.SettlementEvents or Topics.MatchingEvents))
            {
                assignments.AddRange(topic.Partitions.Select(p => new TopicPartitionOffset(topic.Topic, p.PartitionId, Offset.Beginning)));
            }
        }
        _consumer.Assign(assignments);
        _loop = Task.Factory.StartNew(Loop, TaskCreationOptions.LongRunning);
    }

    private void Loop()
    {
        var markets = Markets(Expiry).Select(m => m.Symbol).ToHashSet(StringComparer.Ordinal);
        while (!_stop.IsCancellationRequested)
        {
            var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message?.Value is not { } value)
            {
                continue;
            }
            lock (_gate)
            {
                switch (result.Topic)
                {
                    case Topics.OraclePrices:
                        var price = PriceUpdate.Parser.ParseFrom(value);
                        if (price.Asset == "BTC")
                        {
                            var parsed = decimal.TryParse(price.IndexPrice, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var index) && index > 0m;
                            _index.Add(new IndexObservation(price.Sequence, price.TimeUnixNanos, price.Status == PriceStatus.Ok && parsed, parsed ? index : 0m));
                        }
                        break;
                    case Topics.SettlementEvents:
                        var settlement = SettlementEvent.Parser.ParseFrom(value);
                        if (settlement.EventCase == SettlementEvent.EventOneofCase.PriceFixed && markets.Contains(settlement.PriceFixed.Market))
                        {
                            _fixed[settlement.PriceFixed.Market] = settlement.PriceFixed;
                        }
                        break;
                    case Topics.MatchingEvents:
                        var e = MatchingEvent.Parser.ParseFrom(value);
                        if (markets.Contains(e.Market))
                        {
                            OnMatching(e);
                        }
                        break;
                }
            }
        }
    }

    private void OnMatching(MatchingEvent e)
    {
        switch (e.EventCase)
        {
            case MatchingEvent.EventOneofCase.Fill:
                var f = e.Fill;
                _fills.Add((e.Market, f.TakerAccountId, f.MakerAccountId, f.TakerSide == Clearing.Contracts.Orders.V1.Side.Buy ? OrderSide.Buy : OrderSide.Sell,
                    decimal.Parse(f.Quantity, CultureInfo.InvariantCulture), decimal.Parse(f.Price, CultureInfo.InvariantCulture)));
                break;
            case MatchingEvent.EventOneofCase.Cancelled when _restingOrders.ContainsKey(e.Cancelled.OrderId):
                _restingCancelReason[e.Cancelled.OrderId] = e.Cancelled.Reason;
                break;
            case MatchingEvent.EventOneofCase.StatusChanged when e.StatusChanged.Status == "expired":
                _expired.Add(e.Market);
                break;
        }
    }

    /// <summary>
    /// In each expiring market a maker rests an ask that a taker lifts (a position each side) and a far bid that must
    /// still rest at expiry, so matching has a book to cancel. Options trade at intrinsic value plus 1% of the index.
    /// </summary>
    public async Task OpenPositionsAsync(IReadOnlyList<TraderClient> makers, IReadOnlyList<TraderClient> takers, Func<string, decimal> index, CancellationToken cancellationToken)
    {
        var markets = Markets(Expiry);
        for (var i = 0; i < markets.Count; i++)
        {
            if (DateTimeOffset.UtcNow >= Expiry - TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"the expiring markets expire at {Expiry:O}, too soon to open positions: start the stack with a later --expiring-in");
            }
            var market = markets[i];
            var maker = makers[i % makers.Count];
            var taker = takers[i % takers.Count];
            var spot = index("BTC");
            var price = market.Kind == MarketKind.Future
                ? Round(spot, market.TickSize)
                : Round(Intrinsic(market, spot) + spot * 0.01m, market.TickSize);
            var quantity = market.Kind == MarketKind.Future ? 0.5m : 1m;
            await PlaceAsync(maker, market.Symbol, OrderSide.Sell, price, quantity, OrderTimeInForce.Gtc, "maker's ask", null, cancellationToken);
            // Inside the future's ±5% price band, below the ask: it rests until the expiry cancels it.
            await PlaceAsync(maker, market.Symbol, OrderSide.Buy, Round(price * 0.97m, market.TickSize), quantity, OrderTimeInForce.Gtc, "maker's resting bid", market.Symbol, cancellationToken);
            await PlaceAsync(taker, market.Symbol, OrderSide.Buy, price, quantity, OrderTimeInForce.Ioc, "taker's buy", null, cancellationToken);
        }
    }

    /// <summary>
    /// Places one order, again (new id) when the gateway refuses it: the makers also quote the perpetuals and can meet
    /// their rate limit. <paramref name="restingIn"/> marks an order that must still rest at expiry.
    /// </summary>
    private async Task PlaceAsync(TraderClient trader, string market, OrderSide side, decimal price, decimal quantity, OrderTimeInForce tif, string what,
        string? restingIn, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var orderId = trader.NextOrderId();
            if (restingIn is not null)
            {
                _restingOrders[orderId] = restingIn;
            }
            var post = tif == OrderTimeInForce.Gtc;
            if (await trader.PlaceAsync(market, side, OrderType.Limit, price, quantity, tif, postOnly: post, orderId: orderId, cancellationToken: cancellationToken) is not null)
            {
                return;
            }
            _restingOrders.TryRemove(orderId, out _);
            if (attempt == 5)
            {
                throw new InvalidOperationException($"the gateway refused the {what} in {market} five times; see the report's refusals");
            }
            await Task.Delay(400, cancellationToken);
        }
    }

    /// <summary>How long the scenario must run: until the fixings are due, plus time for the services to act on them.</summary>
    public TimeSpan RemainingFrom(DateTimeOffset now) => Expiry + Grace + TimeSpan.FromSeconds(15) - now;

    /// <summary>Waits (at most <paramref name="timeout"/>) for every fixing and for margin to settle what the fills opened, then judges.</summary>
    public async Task<(JsonObject Summary, SimulationReport.Verdict Verdict)> JudgeAsync(Accounts.AccountsClient accounts, TopicObserver observer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var markets = Markets(Expiry);
        var deadline = DateTimeOffset.UtcNow + timeout;
        var problems = new List<string>();
        var expiryNanos = Expiry.ToUnixTimeMilliseconds() * 1_000_000;
        while (true)
        {
            // The judge's own copy of the index must reach past the fixing point too (settlement fixes at the first
            // update stamped at expiry plus grace); the price topic and the settlement topic are not ordered together.
            var (allFixed, allExpired, fills, indexComplete) = Read(() => (markets.All(m => _fixed.ContainsKey(m.Symbol)), markets.All(m => _expired.Contains(m.Symbol)), _fills.ToList(),
                _index.Any(o => o.TimeUnixNanos >= expiryNanos + (Grace.Ticks * 100))));
            var settled = observer.Read(o => fills.All(f => SettledAmount(o.Ledger, f.Taker, f.Market) is not null && SettledAmount(o.Ledger, f.Maker, f.Market) is not null));
            if ((allFixed && allExpired && settled && indexComplete) || DateTimeOffset.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(1000, cancellationToken);
        }

        var summary = new JsonObject { ["expiry"] = Expiry.ToString("O", CultureInfo.InvariantCulture) };
        var settings = new TwapSettings(Window.Ticks * 100, 60L * 1_000_000_000, 0.5m);
        var openFills = Read(() => _fills.ToList());
        var observations = Read(() => _index.ToList());
        foreach (var market in markets)
        {
            var entry = new JsonObject();
            summary[market.Symbol] = entry;
            var fixing = Read(() => _fixed.GetValueOrDefault(market.Symbol));
            var twap = Twap.Compute(observations, expiryNanos, settings, market.TickSize);
            entry["twapOfPublishedIndex"] = twap.Fixed ? TraderClient.Text(twap.Price) : $"not fixable: {twap.Reason}";
            entry["indexSamples"] = twap.Samples;
            if (fixing is null)
            {
                problems.Add($"{market.Symbol}: no SettlementPriceFixed on {Topics.SettlementEvents}");
                continue;
            }
            var price = decimal.Parse(fixing.SettlementPrice, CultureInfo.InvariantCulture);
            entry["settlementPrice"] = fixing.SettlementPrice;
            if (!twap.Fixed || twap.Price != price)
            {
                problems.Add($"{market.Symbol}: fixed at {fixing.SettlementPrice}, the TWAP of the published index is {entry["twapOfPublishedIndex"]}");
            }

            var value = market.Kind == MarketKind.Future ? price : Intrinsic(market, price);
            entry["settlementValue"] = TraderClient.Text(value);
            var fills = openFills.Where(f => f.Market == market.Symbol).ToList();
            entry["positionsOpened"] = fills.Count * 2;
            if (fills.Count == 0)
            {
                problems.Add($"{market.Symbol}: no position was opened (no fill)");
            }
            // Each trader's position is the sum of its fills here; its expiry settlement is size × (value − average entry),
            // i.e. Σ over fills of signed quantity × (value − fill price).
            var expected = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var f in fills)
            {
                var takerSign = f.TakerSide == OrderSide.Buy ? 1m : -1m;
                expected[f.Taker] = expected.GetValueOrDefault(f.Taker) + takerSign * f.Quantity * (value - f.Price);
                expected[f.Maker] = expected.GetValueOrDefault(f.Maker) - takerSign * f.Quantity * (value - f.Price);
            }
            var settledCount = 0;
            foreach (var (account, amount) in expected)
            {
                var booked = observer.Read(o => SettledAmount(o.Ledger, account, market.Symbol));
                if (booked is null)
                {
                    problems.Add($"{market.Symbol}: {account} has no expiry-settlement ledger entry");
                }
                else if (booked.Value != amount)
                {
                    problems.Add($"{market.Symbol}: {account} was settled {TraderClient.Text(booked.Value)}, expected {TraderClient.Text(amount)} (position at {TraderClient.Text(value)})");
                }
                else
                {
                    settledCount++;
                }
            }
            entry["accountsSettled"] = settledCount;
            var expired = Read(() => _expired.Contains(market.Symbol));
            entry["bookExpired"] = expired;
            if (!expired)
            {
                problems.Add($"{market.Symbol}: matching never reported the market expired");
            }
        }

        var resting = Read(() => _restingOrders.Keys.Select(id => (id, Reason: _restingCancelReason.GetValueOrDefault(id))).ToList());
        var notCancelled = resting.Where(r => r.Reason != "market-expired").ToList();
        summary["restingOrdersCancelledAtExpiry"] = resting.Count - notCancelled.Count;
        problems.AddRange(notCancelled.Select(r => $"resting order {r.id} in {_restingOrders[r.id]} was {(r.Reason is null ? "never cancelled" : $"cancelled for '{r.Reason}'")}, not by the expiry"));

        var symbols = markets.Select(m => m.Symbol).ToHashSet(StringComparer.Ordinal);
        var remaining = 0;
        foreach (var account in openFills.SelectMany(f => new[] { f.Taker, f.Maker }).Distinct(StringComparer.Ordinal))
        {
            var reply = await accounts.GetAccountAsync(new GetAccountRequest { AccountId = account }, cancellationToken: cancellationToken);
            foreach (var position in reply.Risk?.Positions.Where(p => symbols.Contains(p.Market) && decimal.Parse(p.Size, CultureInfo.InvariantCulture) != 0m) ?? [])
            {
                remaining++;
                problems.Add($"{account} still holds {position.Size} {position.Market} after expiry");
            }
        }
        summary["positionsRemaining"] = remaining;

        var detail = problems.Count == 0
            ? $"{markets.Count} markets fixed at the TWAP of the published index, {openFills.Count * 2} positions settled in cash, none remains, every book cancelled"
            : string.Join("; ", problems.Take(10));
        return (summary, new SimulationReport.Verdict(problems.Count == 0, detail));
    }

    /// <summary>Σ of the account's expiry-settlement movements in the market; null when there is none.</summary>
    private static decimal? SettledAmount(LedgerBook ledger, string account, string market)
    {
        decimal? total = null;
        foreach (var line in ledger.Account(account)?.Lines ?? [])
        {
            foreach (var m in line.Movements)
            {
                if (m.Kind == Clearing.Settlement.Domain.Ledger.LedgerEntryKind.ExpirySettlement && m.Market == market)
                {
                    total = (total ?? 0m) + m.Amount;
                }
            }
        }
        return total;
    }

    private static decimal Intrinsic(MarketDefinition option, decimal price) => option.Right == OptionRight.Call
        ? Math.Max(price - option.Strike!.Value, 0m)
        : Math.Max(option.Strike!.Value - price, 0m);

    private static decimal Round(decimal price, decimal tick) => Math.Max(tick, Math.Round(price / tick, MidpointRounding.ToEven) * tick);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop?.Wait(TimeSpan.FromSeconds(5));
        _consumer.Close();
        _consumer.Dispose();
        _stop.Dispose();
    }
}
