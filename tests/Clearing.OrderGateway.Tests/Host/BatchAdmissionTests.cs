using System.Security.Cryptography;
using Clearing.Contracts.Gateway.V1;
using Clearing.EventSourcing;
using Grpc.Core;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>A gateway whose rate limit is out of the way: these tests send many commands of one account at once.</summary>
public sealed class BatchHostFixture : IAsyncLifetime
{
    internal GatewayHost Host { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Host = GatewayHost.Start(settings: new Dictionary<string, string?>
        {
            ["OrderGateway:RateLimitBurst"] = "10000",
            ["OrderGateway:RateLimitPerSecond"] = "10000",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// SubmitOrders (one call, many commands, one result each) and the per-account rounds behind every order call: commands
/// of one account that arrive together are judged in order and stored in one append, and none is answered before it is stored.
/// </summary>
public sealed class BatchAdmissionTests(BatchHostFixture fixture) : IClassFixture<BatchHostFixture>
{
    private GatewayHost Host => fixture.Host;

    private static OrderCommandRequest Item(PlaceOrderRequest place) => new() { Place = place };

    private static OrderCommandRequest Item(CancelOrderRequest cancel) => new() { Cancel = cancel };

    [Fact]
    public async Task a_batch_is_answered_command_by_command_in_the_order_given()
    {
        var trader = GatewayHost.TraderFor("acct-1");
        var reusedNonce = Trader.NextNonce();
        var malformed = trader.Place("batch-bad");
        malformed.Order.Quantity = "lots";
        var request = new SubmitOrdersRequest
        {
            Commands =
            {
                Item(trader.Place("batch-1", nonce: reusedNonce)),
                Item(trader.Place("batch-2", nonce: reusedNonce)),
                Item(malformed),
                Item(trader.Cancel("batch-1")),
                Item(trader.Place("batch-3", market: "NO-SUCH-PERP")),
                Item(trader.Place("batch-1")),
                new OrderCommandRequest(),
            },
        };

        var reply = await Host.Client.SubmitOrdersAsync(request);

        reply.Results.Count.ShouldBe(7);
        reply.Results[0].Accepted.OrderId.ShouldBe("batch-1");
        reply.Results[0].Accepted.Duplicate.ShouldBeFalse();
        reply.Results[1].Refused.Rule.ShouldBe("replayed-nonce");
        reply.Results[1].Refused.StatusCode.ShouldBe((int)StatusCode.AlreadyExists);
        reply.Results[2].Refused.Rule.ShouldBe("malformed");
        reply.Results[2].Refused.Message.ShouldStartWith("malformed: ");
        reply.Results[3].Accepted.CommandId.ShouldNotBe(reply.Results[0].Accepted.CommandId);
        reply.Results[4].Refused.Rule.ShouldBe("unknown-market");
        // The same client order id and content later in the batch is the first order's result, not a second order.
        reply.Results[5].Accepted.Duplicate.ShouldBeTrue();
        reply.Results[5].Accepted.CommandId.ShouldBe(reply.Results[0].Accepted.CommandId);
        reply.Results[6].Refused.Rule.ShouldBe("malformed");

        var stored = await Host.StoredCommandsAsync(trader.AccountId);
        stored.Select(c => (c.Kind, c.OrderId)).ShouldBe([("place", "batch-1"), ("cancel", "batch-1")]);
    }

    [Fact]
    public async Task every_command_a_batch_accepts_is_stored_when_the_reply_arrives()
    {
        var traders = new[] { "acct-2", "acct-3", "acct-4" }.Select(GatewayHost.TraderFor).ToList();
        var request = new SubmitOrdersRequest();
        for (var i = 0; i < 60; i++)
        {
            request.Commands.Add(Item(traders[i % 3].Place($"durable-{i}")));
        }

        var reply = await Host.Client.SubmitOrdersAsync(request);

        reply.Results.ShouldAllBe(r => r.OutcomeCase == OrderResult.OutcomeOneofCase.Accepted && !r.Accepted.Duplicate);
        foreach (var trader in traders)
        {
            var stored = await Host.StoredCommandsAsync(trader.AccountId);
            stored.Select(c => c.OrderId).ShouldBe(Enumerable.Range(0, 60).Where(i => traders[i % 3] == trader).Select(i => $"durable-{i}"));
            stored.Select(c => c.CommandId).ShouldBe(reply.Results.Select(r => r.Accepted).Where(a => a.AccountId == trader.AccountId).Select(a => a.CommandId));
        }
    }

    [Fact]
    public async Task concurrent_orders_of_one_account_are_each_stored_once_in_a_gap_free_stream()
    {
        var trader = GatewayHost.TraderFor("acct-5");
        var replies = await Task.WhenAll(Enumerable.Range(0, 80).Select(i => Host.Client.PlaceOrderAsync(trader.Place($"concurrent-{i}")).ResponseAsync));

        replies.Select(r => r.CommandId).Distinct().Count().ShouldBe(80);
        var versions = new List<long>();
        await foreach (var recorded in Host.Store.ReadStreamAsync("gateway-acct-5", ReadDirection.Forward, 0))
        {
            versions.Add(recorded.StreamVersion);
        }

        versions.ShouldBe(Enumerable.Range(0, 80).Select(v => (long)v));
        (await Host.StoredCommandsAsync(trader.AccountId)).Select(c => c.OrderId).Order().ShouldBe(Enumerable.Range(0, 80).Select(i => $"concurrent-{i}").Order());
    }

    [Fact]
    public async Task the_same_client_order_sent_concurrently_becomes_one_order_and_duplicates()
    {
        var trader = GatewayHost.TraderFor("acct-6");
        // Same client order id and content, different nonces: whatever round each lands in, one order is stored.
        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.Client.PlaceOrderAsync(trader.Place("same-order")).ResponseAsync));

        replies.Select(r => r.CommandId).Distinct().Count().ShouldBe(1);
        replies.Count(r => !r.Duplicate).ShouldBe(1);
        (await Host.StoredCommandsAsync(trader.AccountId)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task orders_under_a_session_key_are_accepted_in_a_batch_and_a_bad_mac_is_refused_alone()
    {
        var trader = GatewayHost.TraderFor("acct-7");
        var secret = RandomNumberGenerator.GetBytes(32);
        await Host.Client.GrantSessionAsync(trader.Grant("batch-session-1", secret, ["BTC-PERP"], "1", TimeSpan.FromHours(1)));
        var forged = trader.PlaceUnderSession("batch-session-1", RandomNumberGenerator.GetBytes(32), "session-forged");

        var reply = await Host.Client.SubmitOrdersAsync(new SubmitOrdersRequest
        {
            Commands = { Item(trader.PlaceUnderSession("batch-session-1", secret, "session-1")), Item(forged), Item(trader.PlaceUnderSession("batch-session-1", secret, "session-2")) },
        });

        reply.Results.Select(r => r.OutcomeCase).ShouldBe([OrderResult.OutcomeOneofCase.Accepted, OrderResult.OutcomeOneofCase.Refused, OrderResult.OutcomeOneofCase.Accepted]);
        reply.Results[1].Refused.Rule.ShouldBe("bad-signature");
        (await Host.StoredCommandsAsync(trader.AccountId)).Select(c => c.OrderId).ShouldBe(["session-1", "session-2"]);
    }

    [Fact]
    public async Task a_batch_above_the_limit_is_refused_as_a_whole()
    {
        var trader = GatewayHost.TraderFor("acct-8");
        var request = new SubmitOrdersRequest();
        var one = Item(trader.Place("too-many"));
        for (var i = 0; i <= Application.OrderAdmission.MaxBatchSize; i++)
        {
            request.Commands.Add(one);
        }

        var ex = await Should.ThrowAsync<RpcException>(() => Host.Client.SubmitOrdersAsync(request).ResponseAsync);

        ex.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        (await Host.StoredCommandsAsync(trader.AccountId)).ShouldBeEmpty();
    }
}
