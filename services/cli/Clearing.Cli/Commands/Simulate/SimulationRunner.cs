using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Clearing.Cli.Stack;
using Clearing.Contracts;
using Clearing.Contracts.Gateway.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Clearing.Cli.Commands.Simulate;

internal sealed record SimulationSettings(Scenario Scenario, int Seed, bool Json, bool Interactive, StackEndpoints Stack, DevKeyring Keyring);

/// <summary>
/// Plays a scenario against a running stack through its public doors only — signed oracle reports, signed orders via
/// the gateway, operator deposits via margin — and judges the outcome from the public topics. Exit 0 when every
/// invariant holds, 1 when one fails, 2 when the stack cannot be reached.
/// </summary>
internal sealed class SimulationRunner
{
    // USDC is margin's fixed-price quote collateral: the oracle publishes the underlyings only.
    private static readonly string[] Assets = ["BTC", "ETH"];
    private static readonly (string Market, string Asset, decimal Tick, decimal QuoteSize, decimal MinTake, decimal MaxTake)[] Perps =
    [
        ("BTC-PERP", "BTC", 0.5m, 0.5m, 0.01m, 0.2m),
        ("ETH-PERP", "ETH", 0.05m, 5m, 0.1m, 2m),
    ];

    private readonly SimulationSettings _settings;
    private readonly SimulationStats _stats = new();
    private readonly Random _random;
    private readonly Stopwatch _clock = new();
    private readonly string _runId = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public SimulationRunner(SimulationSettings settings)
    {
        _settings = settings;
        _random = new Random(settings.Seed);
    }

    private Scenario Scenario => _settings.Scenario;

    public async Task<(int Exit, JsonObject Report)> RunAsync(TextWriter progressOut, CancellationToken cancellationToken)
    {
        using var gatewayChannel = GrpcChannel.ForAddress(_settings.Stack.Grpc("order-gateway"));
        using var oracleChannel = GrpcChannel.ForAddress(_settings.Stack.Grpc("oracle-ingest"));
        using var marginChannel = GrpcChannel.ForAddress(_settings.Stack.Grpc("margin"));
        var (operatorId, operatorKey) = _settings.Keyring.Operators.First();
        using var operatorKeyHandle = operatorKey.Import();
        var operatorCalls = marginChannel.Intercept(new RequestSigner(operatorKeyHandle, SignerKind.Operator, operatorId).AsInterceptor());
        var accounts = new Accounts.AccountsClient(operatorCalls);
        var gateway = new Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient(gatewayChannel);
        _gateway = gateway;

        using var observer = new TopicObserver(_settings.Stack.KafkaBootstrap, _stats);
        observer.Start([Topics.MatchingEvents, Topics.MarginRisk, Topics.LiquidationEvents, Topics.FundingEvents]);
        using var expiry = Scenario.Name != "expiry" ? null : new ExpiryPlay(_settings.Stack.KafkaBootstrap, Scenario.Expiry
            ?? throw new InvalidOperationException("the expiry scenario needs a stack whose catalog has expiring markets: run `clearing demo --scenario expiry`, or `clearing up --expiring-in 180` then simulate"));
        expiry?.Start();

        var keys = new List<NSec.Cryptography.Key>();
        try
        {
            var publishers = _settings.Keyring.Publishers.Select(p =>
            {
                var key = p.Value.Import();
                keys.Add(key);
                return new PublisherClient(p.Key, key, new PricePublisher.PricePublisherClient(oracleChannel), _settings.Keyring.ServiceToken);
            }).ToList();
            var traders = _settings.Keyring.Traders.ToDictionary(t => t.Key, t =>
            {
                var key = t.Value.Import();
                keys.Add(key);
                return new TraderClient(t.Key, key, gateway, _stats);
            });
            var ordered = traders.Keys.OrderBy(k => int.Parse(k.AsSpan(k.LastIndexOf('-') + 1), CultureInfo.InvariantCulture)).Select(k => traders[k]).ToList();
            var makers = ordered.Take(3).ToList();
            var takers = ordered.Skip(3).Take(5).ToList();
            var leveraged = Scenario.LeveragedLongs ? ordered.Skip(8).Take(8).ToList() : [];

            _clock.Start();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var prices = Task.Run(() => PublishPricesAsync(publishers, stop.Token), CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

            await DepositAsync(accounts, makers, 10_000_000m, cancellationToken);
            await DepositAsync(accounts, takers, 500_000m, cancellationToken);
            await DepositAsync(accounts, leveraged, 5_000m, cancellationToken);
            // The gateway's headroom check reads margin's read model, which follows the deposits by a moment.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);

            var actors = new List<Task>
            {
                Task.Run(() => MakeMarketsAsync(makers, stop.Token), CancellationToken.None),
                Task.Run(() => TakeAsync(takers, stop.Token), CancellationToken.None),
                Task.Run(() => OpenLeveragedLongsAsync(leveraged, stop.Token), CancellationToken.None),
                Task.Run(() => ReportProgressAsync(observer, progressOut, stop.Token), CancellationToken.None),
            };
            if (expiry is not null)
            {
                actors.Add(Task.Run(() => expiry.OpenPositionsAsync(makers, takers, Index, stop.Token), CancellationToken.None));
            }
            try
            {
                // An actor that fails (rather than being stopped) ends the run at once instead of idling to the end.
                var duration = expiry is null ? Scenario.Duration : TimeSpan.FromTicks(Math.Max(Scenario.Duration.Ticks, expiry.RemainingFrom(DateTimeOffset.UtcNow).Ticks));
                var timer = Task.Delay(duration, cancellationToken);
                var first = await Task.WhenAny(actors.Append(prices).Append(timer));
                if (first != timer && first.IsFaulted)
                {
                    await first;
                }
                await timer;
            }
            finally
            {
                await stop.CancelAsync();
                await Task.WhenAll(actors.Append(prices).Select(Quietly));
                foreach (var publisher in publishers)
                {
                    await publisher.DisposeAsync();
                }
            }

            // Expiry: wait for the fixings and margin's settlement before the ledger is judged, so they are in it.
            var expiryVerdict = expiry is null ? default : await expiry.JudgeAsync(accounts, observer, TimeSpan.FromSeconds(60), cancellationToken);
            await SettleAsync(observer, cancellationToken);
            var report = await BuildReportAsync(observer, accounts, ordered, publishers, cancellationToken);
            if (expiryVerdict.Summary is not null)
            {
                report["expiry"] = expiryVerdict.Summary;
                var invariants = report["invariants"]!.AsObject();
                invariants["expirySettledAtTwap"] = expiryVerdict.Verdict.ToJson();
                invariants["ok"] = invariants["ok"]!.GetValue<bool>() && expiryVerdict.Verdict.Ok;
            }
            return (report["invariants"]!["ok"]!.GetValue<bool>() ? 0 : 1, report);
        }
        finally
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }
        }
    }

    /// <summary>Cancellation ends the actors; any other failure of an actor is a simulator bug and must surface.</summary>
    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Stopped at the end of the run: the expected way out.
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
        {
            // A call cut short by the same stop.
        }
    }

    private double Elapsed => _clock.Elapsed.TotalSeconds;

    private decimal Index(string asset) => Scenario.PriceAt(asset, Elapsed);

    private async Task PublishPricesAsync(IReadOnlyList<PublisherClient> publishers, CancellationToken cancellationToken)
    {
        var noise = new Random(_settings.Seed + 1);
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var asset in Assets)
            {
                var index = Index(asset);
                foreach (var publisher in publishers)
                {
                    // Honest publishers disagree by a few basis points, as real ones do.
                    var jitter = asset == "USDC" ? 0m : (decimal)((noise.NextDouble() - 0.5) * 0.0004);
                    await publisher.PublishAsync(asset, index * (1m + jitter), cancellationToken);
                }
            }
            await Task.Delay(500, cancellationToken);
        }
    }

    private async Task DepositAsync(Accounts.AccountsClient accounts, IEnumerable<TraderClient> traders, decimal amount, CancellationToken cancellationToken)
    {
        foreach (var trader in traders)
        {
            var reference = $"sim-{_runId}-{trader.AccountId}";
            await accounts.DepositAsync(new DepositRequest { AccountId = trader.AccountId, Asset = "USDC", Amount = TraderClient.Text(amount), Reference = reference },
                cancellationToken: cancellationToken);
            _stats.Deposit(reference, amount);
        }
    }

    /// <summary>Each maker re-quotes three levels a side around the index every second (cancel, then post-only GTC).</summary>
    private async Task MakeMarketsAsync(IReadOnlyList<TraderClient> makers, CancellationToken cancellationToken)
    {
        var resting = makers.ToDictionary(m => m.AccountId, _ => new List<(string Market, string OrderId)>());
        decimal[] spreads = [0.0005m, 0.0015m, 0.003m];
        // A load run's takers would empty 3 levels of the usual size within a second and then mostly miss (IOC, no
        // fill, no order→fill sample): the quotes grow with the offered rate, one step per 20 orders/s.
        var depth = (decimal)Math.Max(1, Math.Ceiling(Scenario.TakerOrdersPerSecond / 20));
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var maker in makers)
            {
                var previous = resting[maker.AccountId];
                await Task.WhenAll(previous.Select(o => maker.CancelAsync(o.Market, o.OrderId, cancellationToken)));
                previous.Clear();
                var placed = new List<Task<OrderReply?>>();
                foreach (var (market, asset, tick, size, _, _) in Perps)
                {
                    var index = Index(asset);
                    foreach (var spread in spreads)
                    {
                        var bid = Floor(index * (1m - spread), tick);
                        var ask = Ceiling(index * (1m + spread), tick);
                        placed.Add(maker.PlaceAsync(market, OrderSide.Buy, OrderType.Limit, bid, size * depth, OrderTimeInForce.Gtc, postOnly: true, cancellationToken: cancellationToken));
                        placed.Add(maker.PlaceAsync(market, OrderSide.Sell, OrderType.Limit, ask, size * depth, OrderTimeInForce.Gtc, postOnly: true, cancellationToken: cancellationToken));
                    }
                }
                foreach (var reply in await Task.WhenAll(placed))
                {
                    if (reply is not null)
                    {
                        previous.Add((reply.Market, reply.OrderId));
                    }
                }
            }
            await Task.Delay(1000, cancellationToken);
        }
    }

    /// <summary>
    /// Takers cross the spread with IOC orders; in a squeeze they chase the move (buy while it rises, sell after). The
    /// offer is open loop: order n goes out at n / rate seconds whatever the replies to earlier ones are doing (up to
    /// <see cref="MaxTakerOrdersInFlight"/> unanswered), so a slow stack shows as latency and a shortfall against the
    /// offered rate instead of quietly lowering the load (coordinated omission); the bound is one second of the offer
    /// (at least 256), so it is the stack, not the bound, that holds a fast offer back. A load run (above 20/s) trades under
    /// session keys, as a bot would: the generator's own Ed25519 signing would otherwise be the first limit measured.
    /// With <see cref="Scenario.TakerBatch"/> the orders due at one tick go out in one SubmitOrders call.
    /// </summary>
    private async Task TakeAsync(IReadOnlyList<TraderClient> takers, CancellationToken cancellationToken)
    {
        if (Scenario.TakerOrdersPerSecond > 20)
        {
            foreach (var taker in takers)
            {
                await taker.StartSessionAsync(Perps.Select(p => p.Market).ToList(), TimeSpan.FromHours(1), cancellationToken);
            }
        }

        // Not disposed: orders still in flight when the run stops release it afterwards.
        var inFlight = new SemaphoreSlim(Math.Max(MaxTakerOrdersInFlight, (int)Math.Ceiling(Scenario.TakerOrdersPerSecond)));
        var started = Stopwatch.GetTimestamp();
        var acceptedAtStart = _stats.CommandsAccepted;
        var sentAtStart = _stats.CommandsSent;
        var backpressuredAtStart = _stats.RefusedForBackpressure;
        try
        {
            var due = new List<(TraderClient Taker, PlaceOrderRequest Request)>();
            for (long n = 1; !cancellationToken.IsCancellationRequested;)
            {
                var wait = TimeSpan.FromSeconds(n / Scenario.TakerOrdersPerSecond) - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken);
                }

                // Every order whose time has come (one, or several after a late wake-up), each in its own slot of the
                // in-flight bound: the first slot is waited for, the others taken only while free, so the orders held
                // here never wait for slots that only their own sending would free.
                var dueNow = Math.Max(1, (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * Scenario.TakerOrdersPerSecond) - n + 1);
                due.Clear();
                for (var i = 0; i < dueNow && i < OrderAdmissionBatchLimit; i++, n++)
                {
                    if (i == 0)
                    {
                        await inFlight.WaitAsync(cancellationToken);
                    }
                    else if (!inFlight.Wait(0, CancellationToken.None))
                    {
                        break;
                    }
                    if (_takerFailure is { } failure)
                    {
                        // An order that failed outside the gateway's refusals (stack unreachable) fails the actor, as it
                        // did when each order was awaited in turn: the run ends instead of idling.
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                    }
                    due.Add(NextTakerOrder(takers));
                }

                var sentAt = Stopwatch.GetTimestamp();
                // The first order of this send was due at (n - due.Count) / rate.
                _stats.TakerSent(Stopwatch.GetElapsedTime(started, sentAt), n - due.Count, Scenario.TakerOrdersPerSecond);
                foreach (var (_, request) in due)
                {
                    _stats.TakerSentAt[request.Order.OrderId] = sentAt;
                }
                if (Scenario.TakerBatch)
                {
                    var requests = due.Select(d => d.Request).ToList();
                    _ = ReleasingAsync(TraderClient.SubmitAsync(_gateway!, requests, _stats, cancellationToken), inFlight, requests.Count, sentAt);
                }
                else
                {
                    foreach (var (taker, request) in due)
                    {
                        _ = ReleasingAsync(taker.SendAsync(request, cancellationToken), inFlight, 1, sentAt);
                    }
                }
            }
        }
        finally
        {
            _stats.OfferWindow = (Stopwatch.GetElapsedTime(started).TotalSeconds, _stats.CommandsSent - sentAtStart, _stats.CommandsAccepted - acceptedAtStart,
                _stats.RefusedForBackpressure - backpressuredAtStart);
        }
    }

    /// <summary>The gateway's SubmitOrders limit (OrderAdmission.MaxBatchSize).</summary>
    private const int OrderAdmissionBatchLimit = 1000;

    private (TraderClient Taker, PlaceOrderRequest Request) NextTakerOrder(IReadOnlyList<TraderClient> takers)
    {
        var taker = takers[_random.Next(takers.Count)];
        var (market, asset, tick, _, min, max) = Perps[_random.Next(Perps.Length)];
        var slope = Index(asset) - Scenario.PriceAt(asset, Math.Max(0, Elapsed - 1));
        var buyBias = Scenario.Name == "squeeze" ? (slope > 0 ? 0.8 : slope < 0 ? 0.2 : 0.5) : 0.5;
        var side = _random.NextDouble() < buyBias ? OrderSide.Buy : OrderSide.Sell;
        var index = Index(asset);
        var limit = side == OrderSide.Buy ? Ceiling(index * 1.01m, tick) : Floor(index * 0.99m, tick);
        var quantity = decimal.Round(min + (max - min) * (decimal)_random.NextDouble(), 2);
        quantity = Math.Max(min, quantity - quantity % min);
        return (taker, taker.PlaceRequest(market, side, OrderType.Limit, limit, quantity, OrderTimeInForce.Ioc));
    }

    /// <summary>The least bound on unanswered taker orders; a faster offer may have one second of it unanswered.</summary>
    private const int MaxTakerOrdersInFlight = 256;

    private Exception? _takerFailure;

    private Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient? _gateway;

    private async Task ReleasingAsync(Task placing, SemaphoreSlim inFlight, int slots, long sentAt)
    {
        try
        {
            await placing;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _takerFailure, e, null);
        }
        catch (OperationCanceledException)
        {
            // The run ended with this order unanswered: nothing to count.
        }
        finally
        {
            _stats.TakerReplyMillis.Enqueue(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
            inFlight.Release(slots);
        }
    }

    /// <summary>
    /// Before the crash, leveraged accounts go long BTC: the first half at ~9.5× their collateral (the most the gateway's
    /// 10% initial margin allows at a limit 1% through the index; liquidated on the slide about 9.4% down), the rest at
    /// ~5× (liquidated 19% down, bankrupt at 20%: the crash's gap takes them past both at once).
    /// </summary>
    private async Task OpenLeveragedLongsAsync(IReadOnlyList<TraderClient> traders, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        foreach (var (trader, i) in traders.Select((trader, i) => (trader, i)))
        {
            var index = Index("BTC");
            var leverage = i < traders.Count / 2 ? 9.5m : 5m;
            var quantity = decimal.Round(5_000m * leverage / index, 3);
            await trader.PlaceAsync("BTC-PERP", OrderSide.Buy, OrderType.Limit, Ceiling(index * 1.01m, 0.5m), quantity, OrderTimeInForce.Ioc,
                cancellationToken: cancellationToken);
            await Task.Delay(500, cancellationToken);
        }
    }

    private async Task ReportProgressAsync(TopicObserver observer, TextWriter progressOut, CancellationToken cancellationToken)
    {
        var last = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(_settings.Interactive ? 1 : 5), cancellationToken);
            var sent = _stats.CommandsSent;
            var line = observer.Read(o => string.Create(CultureInfo.InvariantCulture,
                $"simulate {Scenario.Name} {Elapsed,5:F0}s  BTC {Index("BTC"),10:F1}  orders/s {(sent - last) / (_settings.Interactive ? 1.0 : 5.0),6:F0}  accepted {_stats.CommandsAccepted}  refused {_stats.CommandsRefused} (backpressure {_stats.RefusedForBackpressure})  fills {o.Fills}  liquidations {o.LiquidatedAccounts.Count}  funding {o.FundingRates.Values.Sum(r => r.Count)}  fund {o.InsuranceFundBalance ?? "-"}"));
            last = sent;
            await progressOut.WriteLineAsync(line);
        }
    }

    /// <summary>
    /// Waits for the system to catch up: every accepted command seen by matching, every fee-carrying fill on margin's
    /// ledger and the ledger quiet, or 30 s — extended up to 120 s while margin is still booking fills (the ledger grew
    /// in the last 3 s), so a slow machine's backlog is judged once booked rather than failed for being late.
    /// </summary>
    private async Task SettleAsync(TopicObserver observer, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var lastSequence = -1L;
        var quietSince = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30)
               || (deadline.Elapsed < TimeSpan.FromSeconds(120) && quietSince.Elapsed < TimeSpan.FromSeconds(3) && observer.Read(o => o.UnbookedFillSides()) > 0))
        {
            await Task.Delay(500, cancellationToken);
            var (sequence, allSeen) = observer.Read(o => (o.Ledger.LastSequence, _stats.AcceptedCommands.Keys.All(o.CommandsSeen.ContainsKey) && o.UnbookedFillSides() == 0));
            if (sequence != lastSequence)
            {
                lastSequence = sequence;
                quietSince.Restart();
            }
            if (allSeen && quietSince.Elapsed > TimeSpan.FromSeconds(3))
            {
                return;
            }
        }
    }

    private async Task<JsonObject> BuildReportAsync(TopicObserver observer, Accounts.AccountsClient accounts, IReadOnlyList<TraderClient> traders,
        IReadOnlyList<PublisherClient> publishers, CancellationToken cancellationToken)
    {
        var equities = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var trader in traders)
        {
            var reply = await accounts.GetAccountAsync(new GetAccountRequest { AccountId = trader.AccountId }, cancellationToken: cancellationToken);
            if (reply.Risk is { } risk && Decimal(risk.Equity) is { } equity)
            {
                equities[trader.AccountId] = equity;
            }
        }
        return observer.Read(o => SimulationReport.Build(Scenario, _settings.Seed, _clock.Elapsed, _stats, o, equities, publishers));
    }

    private static decimal? Decimal(string text) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static decimal Floor(decimal price, decimal tick) => Math.Floor(price / tick) * tick;

    private static decimal Ceiling(decimal price, decimal tick) => Math.Ceiling(price / tick) * tick;
}
