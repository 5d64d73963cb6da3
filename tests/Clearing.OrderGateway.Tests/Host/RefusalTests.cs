using Clearing.Contracts;
using Clearing.Contracts.Orders.V1;
using Clearing.OrderGateway.Grpc;
using Confluent.Kafka;
using Grpc.Core;
using NSec.Cryptography;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>
/// Each refusal over the real gRPC API: its own status code, the rule in the message and in the clearing-rule
/// trailer, and nothing stored for the outbox (so nothing can reach clearing.orders.commands.v1).
/// </summary>
public sealed class RefusalTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task a_bad_signature_is_refused_as_unauthenticated()
    {
        var trader = GatewayHost.TraderFor("acct-1");
        var request = trader.Place("bad-sig");
        request.Order.Quantity = "0.2"; // signed 0.1, sends 0.2
        await ShouldRefuse(request, StatusCode.Unauthenticated, "bad-signature");
    }

    [Fact]
    public async Task a_replayed_nonce_is_refused_as_already_exists()
    {
        var trader = GatewayHost.TraderFor("acct-2");
        var first = trader.Place("replay-1");
        await Host.Client.PlaceOrderAsync(first);
        await ShouldRefuse(trader.Place("replay-2", nonce: first.Auth.Nonce), StatusCode.AlreadyExists, "replayed-nonce", storedBefore: 1);
    }

    [Fact]
    public async Task an_expired_order_is_refused_as_deadline_exceeded()
    {
        var trader = GatewayHost.TraderFor("acct-3");
        await ShouldRefuse(trader.Place("expired", expiresAt: Trader.ExpiresIn(TimeSpan.FromSeconds(-1))), StatusCode.DeadlineExceeded, "expired");
    }

    [Fact]
    public async Task an_order_signed_with_a_key_that_is_not_the_accounts_is_refused_as_permission_denied()
    {
        using var stranger = Key.Create(SignatureAlgorithm.Ed25519);
        var trader = GatewayHost.TraderFor("acct-4");
        await ShouldRefuse(trader.Place("wrong-key", signWith: stranger), StatusCode.PermissionDenied, "wrong-key");
    }

    [Fact]
    public async Task an_unknown_market_is_refused_as_not_found()
    {
        var trader = GatewayHost.TraderFor("acct-5");
        await ShouldRefuse(trader.Place("unknown-market", market: "DOGE-PERP"), StatusCode.NotFound, "unknown-market");
    }

    [Fact]
    public async Task an_off_tick_price_is_refused_as_invalid_argument()
    {
        var trader = GatewayHost.TraderFor("acct-6");
        await ShouldRefuse(trader.Place("off-tick", price: "50000.25"), StatusCode.InvalidArgument, "off-tick");
    }

    [Fact]
    public async Task an_order_over_the_size_limit_is_refused_as_out_of_range()
    {
        var trader = GatewayHost.TraderFor("acct-7");
        await ShouldRefuse(trader.Place("too-big", quantity: "1000.001"), StatusCode.OutOfRange, "above-max-size");
    }

    [Fact]
    public async Task an_account_over_its_rate_is_refused_as_resource_exhausted()
    {
        var trader = GatewayHost.TraderFor("acct-8");
        var refused = new List<RpcException>();
        for (var i = 0; i < 12; i++)
        {
            try
            {
                await Host.Client.PlaceOrderAsync(trader.Place($"rate-{i}"));
            }
            catch (RpcException ex)
            {
                refused.Add(ex);
            }
        }

        // Burst 8, refill 1/s: twelve calls in well under a second leave at least three refused.
        refused.Count.ShouldBeGreaterThanOrEqualTo(3);
        refused.ShouldAllBe(ex => ex.StatusCode == StatusCode.ResourceExhausted && ex.Trailers.GetValue(OrderGatewayGrpcService.RuleTrailer) == "rate-limit");
        (await Host.StoredCommandsAsync(trader.AccountId)).Count.ShouldBe(12 - refused.Count);
    }

    [Fact]
    public async Task an_order_beyond_the_available_margin_is_refused_as_failed_precondition()
    {
        var trader = GatewayHost.TraderFor(FakeRiskReader.PoorAccount);
        await ShouldRefuse(trader.Place("poor", quantity: "0.1"), StatusCode.FailedPrecondition, "insufficient-margin");
    }

    [Fact]
    public async Task an_account_margin_has_never_seen_may_not_add_risk()
    {
        var trader = GatewayHost.TraderFor(FakeRiskReader.UnknownToMargin);
        await ShouldRefuse(trader.Place("no-view"), StatusCode.FailedPrecondition, "no-margin-account");
    }

    [Fact]
    public async Task a_request_without_a_proof_is_refused_as_malformed()
    {
        var request = GatewayHost.TraderFor("acct-9").Place("no-proof");
        request.Auth.ClearProof();
        await ShouldRefuse(request, StatusCode.InvalidArgument, "malformed", account: "acct-9");
    }

    [Fact]
    public async Task only_accepted_commands_reach_the_orders_topic_keyed_by_market_exactly_once()
    {
        var trader = GatewayHost.TraderFor("acct-10");
        var accepted = await Host.Client.PlaceOrderAsync(trader.Place("kafka-ok", market: "ETH-PERP", price: "3000", quantity: "1"));
        var retried = await Host.Client.PlaceOrderAsync(trader.Place("kafka-ok", market: "ETH-PERP", price: "3000", quantity: "1"));
        retried.Duplicate.ShouldBeTrue();
        await Should.ThrowAsync<RpcException>(() => Host.Client.PlaceOrderAsync(trader.Place("kafka-refused", market: "ETH-PERP", price: "3000.01", quantity: "1")).ResponseAsync);

        var mine = (await ConsumeOrderCommandsAsync(TimeSpan.FromSeconds(20), until: list => list.Any(m => m.Value.CommandId == accepted.CommandId)))
            .Where(m => m.Value.AccountId == trader.AccountId).ToList();
        mine.Count.ShouldBe(1);
        mine[0].Key.ShouldBe("ETH-PERP");
        mine[0].Value.CommandId.ShouldBe(accepted.CommandId);
        mine[0].Value.Place.OrderId.ShouldBe("kafka-ok");
        mine[0].Value.Place.Price.ShouldBe("3000");
        mine[0].Value.Place.MarginMode.ShouldBe(MarginMode.Cross);
        mine[0].Value.Origin.ShouldBe(Origin.Trader);
    }

    private async Task ShouldRefuse(Contracts.Gateway.V1.PlaceOrderRequest request, StatusCode code, string rule, int storedBefore = 0, string? account = null)
    {
        var ex = await Should.ThrowAsync<RpcException>(() => Host.Client.PlaceOrderAsync(request).ResponseAsync);
        ex.StatusCode.ShouldBe(code);
        ex.Status.Detail.ShouldStartWith(rule + ": ");
        ex.Trailers.GetValue(OrderGatewayGrpcService.RuleTrailer).ShouldBe(rule);
        (await Host.StoredCommandsAsync(account ?? request.Auth.AccountId)).Count.ShouldBe(storedBefore);
    }

    private async Task<List<Message<string, OrderCommand>>> ConsumeOrderCommandsAsync(TimeSpan timeout, Func<List<Message<string, OrderCommand>>, bool> until)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = Host.KafkaBootstrap,
            GroupId = $"gateway-test-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Subscribe(Topics.OrderCommands);
        var messages = new List<Message<string, OrderCommand>>();
        var deadline = DateTime.UtcNow + timeout;
        DateTime? settleUntil = null;
        while (DateTime.UtcNow < (settleUntil ?? deadline))
        {
            var result = await Task.Run(() => consumer.Consume(TimeSpan.FromMilliseconds(200)));
            if (result?.Message is { } message)
            {
                messages.Add(new Message<string, OrderCommand> { Key = message.Key, Value = OrderCommand.Parser.ParseFrom(message.Value) });
            }

            // Once the awaited command is in, keep reading a little longer: a duplicate would arrive right behind it.
            if (settleUntil is null && until(messages))
            {
                settleUntil = DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
            }
        }

        consumer.Close();
        until(messages).ShouldBeTrue($"the accepted command did not reach {Topics.OrderCommands} within {timeout}");
        return messages;
    }
}
