using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Clearing.Contracts;
using Clearing.Contracts.Gateway.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.OracleIngest.Domain.Reports;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.ServiceDefaults.Security;
using Confluent.Kafka;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using NSec.Cryptography;
using Xunit.Abstractions;
using Proto = Clearing.Contracts.Orders.V1;

namespace Clearing.IntegrationTests;

/// <summary>
/// Issue 10's stack scenario: `clearing up --vault-quoting`, no other market maker. Takers (dev keyring traders, signed
/// orders through the gateway) trade BTC-PERP against the vault's quotes only; then three of the five oracle publishers
/// stop, BTC falls below its quorum of 3 and turns STALE, and the vault's resting quotes must be cancelled on
/// clearing.matching.events.v1 within one price interval (oracle-ingest's AggregationInterval, 1 s).
/// </summary>
public sealed class VaultStackTests(ITestOutputHelper output) : IDisposable
{
    private const string Vault = "vault-hlp";
    private const string Market = "BTC-PERP";
    private const decimal Index = 100_000m;
    private const decimal Tick = 0.5m;
    // The vault's quoting defaults (services/vault README, QuoteParameters): 5 bps half-spread, skew up to half of it.
    // The publishers all report one price, so the index never moves and the volatility term stays zero.
    private const decimal HalfSpread = 0.0005m;
    private const decimal InventorySkew = 0.5m;
    private static readonly TimeSpan PriceInterval = TimeSpan.FromSeconds(1);

    private readonly string _data = Path.Combine(Path.GetTempPath(), "clearing-vault-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task takers_fill_against_the_vault_within_its_spread_and_a_stale_oracle_pulls_its_quotes_within_one_price_interval()
    {
        var basePort = ClearingCli.FreeBasePort(9);
        await using var up = ClearingCli.Start("up", "--data", _data, "--base-port", Port(basePort), "--ready-timeout", "200", "--quiet", "--vault-quoting");
        await up.WaitForLineAsync(l => l.StartsWith("clearing up: ready (9 services)", StringComparison.Ordinal), TimeSpan.FromMinutes(4));
        output.WriteLine(up.Lines.First(l => l.Contains("vault capital", StringComparison.Ordinal)));
        using var keyring = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_data, "dev-keyring.json")));
        var bootstrap = (await File.ReadAllTextAsync(Path.Combine(_data, "kafka.bootstrap"))).Trim();
        // `up` starts services in ServiceCatalog order: oracle-ingest, matching, margin, order-gateway, …
        using var oracleChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{basePort}");
        using var marginChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{basePort + 2}");
        using var gatewayChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{basePort + 3}");

        var seen = new ConcurrentQueue<(string Topic, byte[] Payload)>();
        using var stopObserving = new CancellationTokenSource();
        var observer = Task.Run(() => Observe(bootstrap, seen, stopObserving.Token), CancellationToken.None);

        var serviceToken = keyring.RootElement.GetProperty("serviceToken").GetString()!;
        var publishers = keyring.RootElement.GetProperty("publishers").EnumerateObject()
            .Select(p => new Publisher(p.Name, ImportKey(p.Value), new PricePublisher.PricePublisherClient(oracleChannel), serviceToken)).ToList();
        using var allPublishing = new CancellationTokenSource();
        using var quorumPublishing = new CancellationTokenSource();
        var publishing = publishers.Select((p, i) => Task.Run(() => p.RunAsync(i < 2 ? quorumPublishing.Token : allPublishing.Token), CancellationToken.None)).ToList();

        // The vault quotes once it has an OK price and its capital.
        await WaitForAsync(() => Matching(seen).Any(e => e.Market == Market && e.Rested?.AccountId == Vault), TimeSpan.FromSeconds(30), "the vault never rested a quote");

        var (operatorId, operatorKey) = keyring.RootElement.GetProperty("operators").EnumerateObject().Select(o => (o.Name, ImportKey(o.Value))).First();
        var accounts = new Accounts.AccountsClient(marginChannel.Intercept(new RequestSigner(operatorKey, SignerKind.Operator, operatorId).AsInterceptor()));
        var gateway = new Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient(gatewayChannel);
        var takers = keyring.RootElement.GetProperty("traders").EnumerateObject().Take(3).Select(t => new Taker(t.Name, ImportKey(t.Value), gateway)).ToList();
        foreach (var taker in takers)
        {
            await accounts.DepositAsync(new DepositRequest { AccountId = taker.AccountId, Asset = "USDC", Amount = "500000", Reference = $"vault-stack-{taker.AccountId}" });
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var sent = 0;
        var refused = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var buy = i % 2 == 0;
            var refusal = await takers[i % takers.Count].TakeAsync(Market, buy, buy ? Index * 1.01m : Index * 0.99m, 0.01m);
            sent++;
            if (refusal is not null)
            {
                refused.Add(refusal);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        // Three publishers stop: once their last reports age out (10 s), BTC has 2 fresh of a quorum of 3 → STALE.
        var stoppedAt = DateTimeOffset.UtcNow;
        await allPublishing.CancelAsync();
        // BTC is also STALE for its first reports at start-up (fewer than the quorum so far): only a later STALE counts.
        var stoppedNanos = stoppedAt.ToUnixTimeMilliseconds() * 1_000_000;
        await WaitForAsync(() => Prices(seen).Any(p => p.Asset == "BTC" && p.Status == PriceStatus.Stale && p.TimeUnixNanos > stoppedNanos), TimeSpan.FromSeconds(30),
            "BTC never turned STALE after three publishers stopped");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await quorumPublishing.CancelAsync();
        await Task.WhenAll(publishing);
        await stopObserving.CancelAsync();
        await observer;
        (await up.TerminateAsync(TimeSpan.FromSeconds(90))).ShouldBe(0);

        var prices = Prices(seen).Where(p => p.Asset == "BTC").DistinctBy(p => p.Sequence).OrderBy(p => p.Sequence).ToList();
        var events = Matching(seen).Where(e => e.Market == Market).DistinctBy(e => e.Sequence).OrderBy(e => e.Sequence).ToList();
        var okIndex = prices.Where(p => p.Status == PriceStatus.Ok).Select(p => decimal.Parse(p.IndexPrice, CultureInfo.InvariantCulture)).Distinct().ToList();
        output.WriteLine($"{prices.Count} BTC prices (OK index values: {string.Join(", ", okIndex)}); {events.Count} {Market} matching events; " +
                         $"takers sent {sent} IOC orders, {refused.Count} refused ({string.Join(", ", refused.Distinct())})");

        // 1. Fills: every taker fill is against the vault (the only maker), inside its spread around the index.
        var fills = events.Where(e => e.Fill is not null).Select(e => (e.TimeUnixNanos, e.Fill)).ToList();
        fills.ShouldNotBeEmpty("no taker got a fill from the vault");
        fills.ShouldAllBe(f => f.Fill.MakerAccountId == Vault);
        var bound = (1m + InventorySkew) * HalfSpread;
        foreach (var (_, fill) in fills)
        {
            var price = decimal.Parse(fill.Price, CultureInfo.InvariantCulture);
            var away = fill.TakerSide == Proto.Side.Buy ? price - Index : Index - price;
            output.WriteLine($"  fill {fill.FillId}: taker {fill.TakerAccountId} {fill.TakerSide} {fill.Quantity} at {price} = {away / Index * 10_000m:F2} bps from the index (vault's {fill.MakerOrderId})");
            away.ShouldBeGreaterThan(0m, $"{fill.FillId}: the vault sold below / bought above the index");
            away.ShouldBeLessThanOrEqualTo(bound * Index + Tick, $"{fill.FillId}: further from the index than (1 + skew) × half-spread = {bound * 10_000m} bps");
        }

        output.WriteLine($"{fills.Count} fills, {fills.Sum(f => decimal.Parse(f.Fill.Quantity, CultureInfo.InvariantCulture))} BTC; spread bound {bound * 10_000m} bps + 1 tick");

        // 2. The pull: the first STALE price, then the vault's quotes resting at that moment are cancelled within one interval.
        var stale = prices.First(p => p.Status == PriceStatus.Stale && p.TimeUnixNanos > stoppedNanos);
        var staleAt = stale.TimeUnixNanos;
        var resting = new Dictionary<string, long>(StringComparer.Ordinal);
        var restingAtStale = new List<string>();
        var cancelledAt = new Dictionary<string, long>(StringComparer.Ordinal);
        var restedAfterStale = new List<string>();
        var snapshotTaken = false;
        foreach (var e in events)
        {
            if (!snapshotTaken && e.TimeUnixNanos >= staleAt)
            {
                restingAtStale.AddRange(resting.Keys);
                snapshotTaken = true;
            }

            switch (e.EventCase)
            {
                case MatchingEvent.EventOneofCase.Rested when e.Rested.AccountId == Vault:
                    resting[e.Rested.OrderId] = e.TimeUnixNanos;
                    if (snapshotTaken)
                    {
                        restedAfterStale.Add(e.Rested.OrderId);
                    }

                    break;
                case MatchingEvent.EventOneofCase.Fill when e.Fill.MakerAccountId == Vault && decimal.Parse(e.Fill.MakerRemaining, CultureInfo.InvariantCulture) == 0m:
                    resting.Remove(e.Fill.MakerOrderId);
                    break;
                case MatchingEvent.EventOneofCase.Cancelled when e.Cancelled.AccountId == Vault:
                    resting.Remove(e.Cancelled.OrderId);
                    cancelledAt[e.Cancelled.OrderId] = e.TimeUnixNanos;
                    break;
            }
        }

        output.WriteLine($"publishers stopped at {stoppedAt:O}; first STALE BTC price #{stale.Sequence} at {Time(staleAt):O}; vault quotes resting then: {string.Join(", ", restingAtStale)}");
        foreach (var id in restingAtStale)
        {
            output.WriteLine($"  {id}: cancelled {(cancelledAt.TryGetValue(id, out var at) ? $"{(at - staleAt) / 1_000_000.0:F0} ms after the STALE price" : "never")}");
        }

        restingAtStale.ShouldNotBeEmpty("the vault had no quote resting when the oracle turned STALE: nothing to pull");
        restingAtStale.ShouldAllBe(id => cancelledAt.ContainsKey(id), "a quote stayed in the book after the oracle turned STALE");
        var slowest = TimeSpan.FromTicks(restingAtStale.Max(id => cancelledAt[id] - staleAt) / 100);
        output.WriteLine($"all {restingAtStale.Count} pulled within {slowest.TotalMilliseconds:F0} ms (limit {PriceInterval.TotalMilliseconds:F0} ms); quotes rested after the STALE price: {restedAfterStale.Count}");
        slowest.ShouldBeLessThanOrEqualTo(PriceInterval);
        restedAfterStale.ShouldBeEmpty("the vault quoted around a STALE price");
        resting.ShouldBeEmpty("vault quotes left in the book at the end");
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static string Port(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(long unixNanos) => DateTimeOffset.UnixEpoch.AddTicks(unixNanos / 100);

    private static Key ImportKey(JsonElement pair) =>
        Key.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(pair.GetProperty("privateKey").GetString()!), KeyBlobFormat.RawPrivateKey);

    private static IEnumerable<MatchingEvent> Matching(ConcurrentQueue<(string Topic, byte[] Payload)> seen) =>
        seen.Where(m => m.Topic == Topics.MatchingEvents).Select(m => MatchingEvent.Parser.ParseFrom(m.Payload));

    private static IEnumerable<PriceUpdate> Prices(ConcurrentQueue<(string Topic, byte[] Payload)> seen) =>
        seen.Where(m => m.Topic == Topics.OraclePrices).Select(m => PriceUpdate.Parser.ParseFrom(m.Payload));

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, failure);
            await Task.Delay(200);
        }
    }

    private static void Observe(string bootstrap, ConcurrentQueue<(string Topic, byte[] Payload)> seen, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "vault-stack-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Subscribe([Topics.MatchingEvents, Topics.OraclePrices]);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } record)
            {
                seen.Enqueue((record.Topic, record.Message.Value));
            }
        }

        consumer.Close();
    }

    /// <summary>An oracle publisher reporting BTC at the fixed index every 500 ms, signed as oracle-ingest verifies (its README).</summary>
    private sealed class Publisher(string id, Key key, PricePublisher.PricePublisherClient oracle, string serviceToken)
    {
        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var stream = oracle.Publish(new Grpc.Core.Metadata { { "dapr-api-token", serviceToken }, { "dapr-caller-app-id", "vault-stack-test" } }, cancellationToken: CancellationToken.None);
            var last = 0L;
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow;
                var sequence = Math.Max(now.ToUnixTimeMilliseconds(), last + 1);
                last = sequence;
                var price = Index.ToString("0.00", CultureInfo.InvariantCulture);
                var confidence = (Index * 0.0002m).ToString("0.00", CultureInfo.InvariantCulture);
                var report = ReportSigning.Sign(new PriceReport(id, "BTC", price, confidence, now.ToUnixTimeMilliseconds() * 1_000_000, sequence, []), key);
                await stream.RequestStream.WriteAsync(new PublisherMessage
                {
                    Price = new SignedPriceReport
                    {
                        PublisherId = id, Asset = "BTC", Price = price, Confidence = confidence, PublishTimeUnixNanos = report.PublishTimeUnixNanos,
                        Sequence = sequence, Signature = ByteString.CopyFrom(report.Signature),
                    },
                }, CancellationToken.None);
                try
                {
                    await Task.Delay(500, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Stopped: this publisher goes quiet, which is the point.
                }
            }

            await stream.RequestStream.CompleteAsync();
            await stream.ResponseAsync;
            key.Dispose();
        }
    }

    /// <summary>A trader sending IOC limits through the gateway, signed over its canonical encoding (as `simulate` does).</summary>
    private sealed class Taker(string accountId, Key key, Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient gateway)
    {
        private readonly byte[] _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        private int _orders;

        public string AccountId => accountId;

        /// <summary>Returns null when the gateway accepted the order, else the rule that refused it.</summary>
        public async Task<string?> TakeAsync(string market, bool buy, decimal limit, decimal quantity)
        {
            var side = buy ? OrderSide.Buy : OrderSide.Sell;
            var command = new GatewayCommand
            {
                Kind = CommandKind.Place,
                AccountId = accountId,
                Market = market,
                Nonce = Guid.NewGuid().ToString("N"),
                ExpiresAtUnixNanos = DateTimeOffset.UtcNow.AddSeconds(20).ToUnixTimeMilliseconds() * 1_000_000,
                OrderId = $"{accountId}-vt-{Interlocked.Increment(ref _orders)}-{Guid.NewGuid().ToString("N")[..8]}",
                Side = side,
                Type = OrderType.Limit,
                Price = limit,
                Quantity = quantity,
                TimeInForce = OrderTimeInForce.Ioc,
                SelfTrade = SelfTradeMode.CancelMaker,
                MarginMode = MarginMode.Cross,
            };
            var request = new PlaceOrderRequest
            {
                Market = market,
                Order = new Proto.PlaceOrder
                {
                    OrderId = command.OrderId, Side = buy ? Proto.Side.Buy : Proto.Side.Sell, Kind = Proto.OrderKind.Limit, Price = Text(limit), Quantity = Text(quantity),
                    TimeInForce = Proto.TimeInForce.Ioc, Stp = Proto.SelfTradePrevention.CancelMaker, MarginMode = Proto.MarginMode.Cross,
                },
                Auth = new Authentication
                {
                    AccountId = accountId, Nonce = command.Nonce, ExpiresAtUnixNanos = command.ExpiresAtUnixNanos,
                    AccountSignature = new AccountSignature
                    {
                        PublicKey = ByteString.CopyFrom(_publicKey),
                        Signature = ByteString.CopyFrom(SignatureAlgorithm.Ed25519.Sign(key, CanonicalOrderEncoding.Encode(command))),
                    },
                },
            };
            try
            {
                await gateway.PlaceOrderAsync(request);
                return null;
            }
            catch (RpcException e)
            {
                return e.Trailers.GetValue("clearing-rule") ?? e.StatusCode.ToString();
            }
        }

        private static string Text(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
    }
}
