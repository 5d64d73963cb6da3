using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Clearing.Contracts.Gateway.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.ReadModels;
using Clearing.Dapr.State;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Domain.Depth;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.OrderGateway.Grpc;
using Clearing.ServiceDefaults.Security;
using Google.Protobuf;
using Grpc.Core;
using ProtoSide = Clearing.Contracts.Orders.V1.Side;

namespace Clearing.OrderGateway.Tests.Host;

public sealed class OrderFlowTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task the_same_client_order_id_and_content_returns_the_first_result_and_other_content_is_refused()
    {
        var trader = GatewayHost.TraderFor("acct-1");
        var first = await Host.Client.PlaceOrderAsync(trader.Place("idem-1"));
        var again = await Host.Client.PlaceOrderAsync(trader.Place("idem-1"));
        again.CommandId.ShouldBe(first.CommandId);
        again.AcceptedAtUnixNanos.ShouldBe(first.AcceptedAtUnixNanos);
        again.Duplicate.ShouldBeTrue();
        first.Duplicate.ShouldBeFalse();

        var ex = await Should.ThrowAsync<RpcException>(() => Host.Client.PlaceOrderAsync(trader.Place("idem-1", quantity: "0.2")).ResponseAsync);
        ex.StatusCode.ShouldBe(StatusCode.Aborted);
        ex.Trailers.GetValue(OrderGatewayGrpcService.RuleTrailer).ShouldBe("order-id-conflict");
        (await Host.StoredCommandsAsync(trader.AccountId)).Count(c => c.OrderId == "idem-1").ShouldBe(1);
    }

    [Fact]
    public async Task cancels_are_accepted_with_their_own_command_id()
    {
        var trader = GatewayHost.TraderFor("acct-2");
        var place = await Host.Client.PlaceOrderAsync(trader.Place("to-cancel"));
        var cancel = await Host.Client.CancelOrderAsync(trader.Cancel("to-cancel"));
        cancel.CommandId.ShouldNotBe(place.CommandId);
        var stored = await Host.StoredCommandsAsync(trader.AccountId);
        stored.Select(c => c.Kind).ShouldBe(["place", "cancel"]);
    }

    [Fact]
    public async Task a_session_key_trades_within_its_grant_until_it_is_revoked()
    {
        var trader = GatewayHost.TraderFor("acct-3");
        var secret = RandomNumberGenerator.GetBytes(32);
        var granted = await Host.Client.GrantSessionAsync(trader.Grant("bot-session-1", secret, ["BTC-PERP"], "0.5", TimeSpan.FromHours(1)));
        granted.SessionId.ShouldBe("bot-session-1");

        var ok = await Host.Client.PlaceOrderAsync(trader.PlaceUnderSession("bot-session-1", secret, "s-1"));
        ok.CommandId.ShouldNotBeNullOrEmpty();
        await ShouldRefuse(() => Host.Client.PlaceOrderAsync(trader.PlaceUnderSession("bot-session-1", secret, "s-2", quantity: "0.6")), StatusCode.PermissionDenied, "session-max-size");
        await ShouldRefuse(() => Host.Client.PlaceOrderAsync(trader.PlaceUnderSession("bot-session-1", secret, "s-3", market: "ETH-PERP", price: "3000")), StatusCode.PermissionDenied, "session-market");
        await ShouldRefuse(() => Host.Client.PlaceOrderAsync(trader.PlaceUnderSession("bot-session-1", RandomNumberGenerator.GetBytes(32), "s-4")), StatusCode.Unauthenticated, "bad-signature");

        (await Host.Client.RevokeSessionAsync(trader.Revoke("bot-session-1"))).Revoked.ShouldBeTrue();
        await ShouldRefuse(() => Host.Client.PlaceOrderAsync(trader.PlaceUnderSession("bot-session-1", secret, "s-5")), StatusCode.PermissionDenied, "session-revoked");
        (await Host.StoredCommandsAsync(trader.AccountId)).Select(c => c.OrderId).ShouldBe(["s-1"]);
    }

    [Fact]
    public async Task a_session_cannot_be_granted_with_a_secret_other_than_the_signed_one()
    {
        var trader = GatewayHost.TraderFor("acct-4");
        var request = trader.Grant("bot-session-2", RandomNumberGenerator.GetBytes(32), [], "", TimeSpan.FromHours(1));
        request.Secret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32));
        await ShouldRefuse(() => Host.Client.GrantSessionAsync(request), StatusCode.InvalidArgument, "malformed");
    }

    [Fact]
    public async Task an_order_posted_as_json_over_http_is_transcoded_and_accepted()
    {
        var trader = GatewayHost.TraderFor("acct-5");
        var json = JsonFormatter.Default.Format(trader.Place("json-1"));
        using var http = Host.Http();
        using var response = await http.PostAsync("/v1/orders", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        using var reply = JsonDocument.Parse(body);
        reply.RootElement.GetProperty("commandId").GetString().ShouldStartWith("gw:acct-5:");
        reply.RootElement.GetProperty("orderId").GetString().ShouldBe("json-1");

        var tampered = JsonFormatter.Default.Format(trader.Place("json-2")).Replace("\"0.1\"", "\"0.2\"", StringComparison.Ordinal);
        using var refused = await http.PostAsync("/v1/orders", new StringContent(tampered, Encoding.UTF8, "application/json"));
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("bad-signature");
    }

    [Fact]
    public async Task the_depth_stream_starts_with_a_snapshot_and_continues_with_gap_free_deltas()
    {
        const string market = "BTC-26MAR27-100000-C";
        Host.Markets.Apply(Rested(market, 1, "mm-1", "q-1", ProtoSide.Buy, "1000", "2"));
        Host.Markets.Apply(Rested(market, 2, "mm-1", "q-2", ProtoSide.Sell, "1100", "1"));

        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = Host.Client.StreamDepth(new StreamDepthRequest { Market = market }, cancellationToken: cancellation.Token);
        (await call.ResponseStream.MoveNext(cancellation.Token)).ShouldBeTrue();
        var snapshot = call.ResponseStream.Current;
        snapshot.UpdateCase.ShouldBe(DepthUpdate.UpdateOneofCase.Snapshot);
        snapshot.Sequence.ShouldBe(2);
        snapshot.Snapshot.Bids.Single().Price.ShouldBe("1000");
        snapshot.Snapshot.Asks.Single().Quantity.ShouldBe("1");

        var replica = new DepthReplica();
        replica.Reset(SnapshotOf(snapshot));
        Host.Markets.Apply(new MatchingEvent
        {
            Market = market, Sequence = 3,
            Fill = new Fill { MakerAccountId = "mm-1", MakerOrderId = "q-2", MakerRemaining = "0.25", TakerAccountId = "t-1", TakerOrderId = "x", TakerRemaining = "0", Price = "1100", Quantity = "0.75" },
        });
        Host.Markets.Apply(Rested(market, 3, "mm-1", "dup", ProtoSide.Buy, "999", "1")); // a redelivered sequence changes nothing
        Host.Markets.Apply(new MatchingEvent { Market = market, Sequence = 4, Cancelled = new OrderCancelled { AccountId = "mm-1", OrderId = "q-1", Quantity = "2", Reason = "user" } });

        foreach (var expected in new long[] { 3, 4 })
        {
            (await call.ResponseStream.MoveNext(cancellation.Token)).ShouldBeTrue();
            var delta = call.ResponseStream.Current;
            delta.Sequence.ShouldBe(expected);
            delta.MatchingSequence.ShouldBe(expected);
            replica.Apply(DeltaOf(delta)).ShouldBe(DeltaResult.Applied);
        }

        replica.Bids.ShouldBeEmpty();
        replica.Asks.Single().ShouldBe(new DepthLevel(1100m, 0.25m, 1));
    }

    [Fact]
    public async Task a_trader_streams_only_its_own_order_updates()
    {
        var trader = GatewayHost.TraderFor("acct-6");
        var signer = new RequestSigner(trader.Key, SignerKind.Trader, trader.AccountId);
        var client = new Contracts.Gateway.V1.OrderGateway.OrderGatewayClient(Host.Channel);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var request = new StreamOrderUpdatesRequest();
        using var call = client.StreamOrderUpdates(request,
            headers: signer.SignGrpc("clearing.gateway.v1.OrderGateway/StreamOrderUpdates", request),
            cancellationToken: cancellation.Token);

        // The subscription is registered once the server has started the call; keep publishing until it sees one.
        var next = call.ResponseStream.MoveNext(cancellation.Token);
        for (var sequence = 1; !next.IsCompleted && sequence < 200; sequence++)
        {
            Host.Markets.Apply(Rested("ETH-PERP", 1000 + sequence * 2, "someone-else", $"other-{sequence}", ProtoSide.Buy, "2000", "1"));
            Host.Markets.Apply(Rested("ETH-PERP", 1001 + sequence * 2, trader.AccountId, $"mine-{sequence}", ProtoSide.Buy, "2000", "1"));
            await Task.WhenAny(next, Task.Delay(50, cancellation.Token));
        }

        (await next).ShouldBeTrue();
        call.ResponseStream.Current.Event.Rested.AccountId.ShouldBe(trader.AccountId);
    }

    [Fact]
    public async Task the_update_stream_refuses_an_unsigned_caller()
    {
        using var call = Host.Client.StreamOrderUpdates(new StreamOrderUpdatesRequest());
        var ex = await Should.ThrowAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        ex.StatusCode.ShouldBe(StatusCode.Unauthenticated);
    }

    [Fact]
    public async Task the_risk_reader_reads_the_view_margin_writes_to_its_embedded_state_store()
    {
        var directory = GatewayHost.NewDataDirectory();
        Directory.CreateDirectory(directory);
        try
        {
            var path = SqliteStateStore.PathFor(directory, AccountRiskView.StateStoreName);
            var reader = new SqliteAccountRiskReader(path);
            (await reader.ReadAsync("acct-1", CancellationToken.None)).ShouldBeNull();

            using var margin = new SqliteStateStore(AccountRiskView.StateStoreName, path);
            var view = new AccountRiskView { AccountId = "acct-1", AvailableMargin = 1234.5m, Positions = [new PositionView("BTC-PERP", -0.5m, 50000m, 50000m, 0m, false, 0m, 2500m, 1250m)] };
            await margin.SaveAsync(AccountRiskView.KeyFor("acct-1"), JsonSerializer.SerializeToUtf8Bytes(view, new JsonSerializerOptions(JsonSerializerDefaults.Web)), WriteCondition.Unconditional);

            var read = (await reader.ReadAsync("acct-1", CancellationToken.None)).ShouldNotBeNull();
            read.AvailableMargin.ShouldBe(1234.5m);
            read.Positions.Single().Size.ShouldBe(-0.5m);
            (await reader.ReadAsync("acct-2", CancellationToken.None)).ShouldBeNull();
        }
        finally
        {
            GatewayHost.DeleteDirectory(directory);
        }
    }

    private static MatchingEvent Rested(string market, long sequence, string account, string order, ProtoSide side, string price, string remaining) => new()
    {
        Market = market,
        Sequence = sequence,
        Rested = new OrderRested { AccountId = account, OrderId = order, Side = side, Price = price, Remaining = remaining },
    };

    private static OrderGateway.Domain.Depth.DepthSnapshot SnapshotOf(DepthUpdate update) =>
        new(update.Sequence, update.MatchingSequence, update.Snapshot.Bids.Select(ToDomain).ToList(), update.Snapshot.Asks.Select(ToDomain).ToList());

    private static OrderGateway.Domain.Depth.DepthDelta DeltaOf(DepthUpdate update) =>
        new(update.Sequence, update.MatchingSequence, update.Delta.Bids.Select(ToDomain).ToList(), update.Delta.Asks.Select(ToDomain).ToList());

    private static DepthLevel ToDomain(BookLevel level) =>
        new(decimal.Parse(level.Price, System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(level.Quantity, System.Globalization.CultureInfo.InvariantCulture), level.Orders);

    private static async Task ShouldRefuse<T>(Func<AsyncUnaryCall<T>> call, StatusCode code, string rule)
    {
        var ex = await Should.ThrowAsync<RpcException>(() => call().ResponseAsync);
        ex.StatusCode.ShouldBe(code);
        ex.Trailers.GetValue(OrderGatewayGrpcService.RuleTrailer).ShouldBe(rule);
    }
}
