using Clearing.Contracts.Governance.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Ops.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.EventSourcing;
using Clearing.Hosting.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Hosting.Tests;

/// <summary>What the privileged endpoints do once authorized: validate input, act once, and say what happened.</summary>
[Collection(HostsCollection.Name)]
public sealed class AdminEndpointTests(HostsFixture hosts)
{
    private const string CreditMethod = "clearing.margin.v1.MarginAdmin/CreditCollateral";

    [Theory]
    [InlineData("-5", "amount '-5' is not a plain decimal number (digits and one '.', no sign or exponent)")]
    [InlineData("1e5", "amount '1e5' is not a plain decimal number (digits and one '.', no sign or exponent)")]
    [InlineData("0.000", "amount must be greater than zero, got '0.000'")]
    [InlineData("", "amount must be set, as a decimal string such as \"1500.25\"")]
    [InlineData("1.0000000000000000001", "amount '1.0000000000000000001' has 19 decimals; at most 18 are allowed")]
    public async Task collateral_credit_with_a_bad_amount_is_invalid_argument_with_the_reason(string amount, string reason)
    {
        var request = NewCredit();
        request.Amount = amount;

        var refusal = await Should.ThrowAsync<RpcException>(() => CreditAsync(request));

        refusal.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        refusal.Status.Detail.ShouldBe(reason);
    }

    [Theory]
    [InlineData("AccountId", "has space", "account_id 'has space' must be 1-128 characters of [A-Za-z0-9._:-]")]
    [InlineData("Asset", "usdc", "asset 'usdc' must be an upper-case symbol of 2-12 characters such as \"USDC\"")]
    [InlineData("Reference", "", "reference must be 1-128 visible ASCII characters (the deposit transaction id or ticket), no spaces")]
    [InlineData("Reason", "  ", "reason must be set: privileged actions are recorded with why they were taken")]
    public async Task collateral_credit_with_a_bad_field_is_invalid_argument_naming_the_field(string field, string value, string reason)
    {
        var request = NewCredit();
        typeof(CreditCollateralRequest).GetProperty(field)!.SetValue(request, value);

        var refusal = await Should.ThrowAsync<RpcException>(() => CreditAsync(request));

        refusal.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        refusal.Status.Detail.ShouldBe(reason);
    }

    [Fact]
    public async Task repeating_a_credit_with_the_same_reference_credits_once()
    {
        var request = NewCredit();

        var first = await CreditAsync(request);
        var second = await CreditAsync(request);

        first.AlreadyCredited.ShouldBeFalse();
        second.AlreadyCredited.ShouldBeTrue();
        second.EventId.ShouldBe(first.EventId);
        second.StreamVersion.ShouldBe(first.StreamVersion);
        var store = hosts["margin"].Services.GetRequiredService<IEventStore>();
        (await store.GetStreamVersionAsync($"account-{request.AccountId}")).ShouldBe(0);
    }

    [Fact]
    public async Task concurrent_identical_credits_credit_once()
    {
        var request = NewCredit();

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => CreditAsync(request))));

        // Requests racing each other are all answered with the one stored credit; which of them reports
        // already_credited depends on timing (the store treats an identical concurrent append as a retry).
        replies.Select(r => (r.EventId, r.StreamVersion)).Distinct().ShouldHaveSingleItem();
        var store = hosts["margin"].Services.GetRequiredService<IEventStore>();
        (await store.GetStreamVersionAsync($"account-{request.AccountId}")).ShouldBe(0);
    }

    [Fact]
    public async Task reusing_a_reference_for_a_different_amount_is_refused()
    {
        var request = NewCredit();
        await CreditAsync(request);
        var different = request.Clone();
        different.Amount = "99";

        var refusal = await Should.ThrowAsync<RpcException>(() => CreditAsync(different));

        refusal.StatusCode.ShouldBe(StatusCode.AlreadyExists);
        refusal.Status.Detail.ShouldBe($"reference '{request.Reference}' was already used on account '{request.AccountId}' for 1500.25 USDC; use a new reference for a different credit");
    }

    [Fact]
    public async Task halting_a_halted_market_changes_nothing_and_says_so()
    {
        var request = new HaltMarketRequest { Market = $"SOL{PrivilegedCalls.Next()}-PERP", Reason = "exchange outage" };
        var client = new GovernanceEmergency.GovernanceEmergencyClient(hosts["matching"].Channel);
        const string method = "clearing.governance.v1.GovernanceEmergency/HaltMarket";

        var first = await client.HaltMarketAsync(request, TestCredentials.Operator().SignGrpc(method, request));
        var second = await client.HaltMarketAsync(request, TestCredentials.Operator().SignGrpc(method, request));

        first.AlreadyHalted.ShouldBeFalse();
        second.AlreadyHalted.ShouldBeTrue();
        second.EventId.ShouldBeEmpty();
        second.StreamVersion.ShouldBe(first.StreamVersion);
    }

    [Fact]
    public async Task a_client_signing_through_the_interceptor_is_authenticated_like_one_signing_each_call()
    {
        var request = new HaltMarketRequest { Market = $"AVAX{PrivilegedCalls.Next()}-PERP", Reason = "interceptor" };
        var signed = hosts["matching"].Channel.Intercept(TestCredentials.Operator().AsInterceptor());

        var reply = await new GovernanceEmergency.GovernanceEmergencyClient(signed).HaltMarketAsync(request);

        reply.AlreadyHalted.ShouldBeFalse();
        reply.EventId.ShouldNotBeEmpty();
    }

    [Theory]
    [InlineData("btc-perp")]
    [InlineData("BTC PERP")]
    [InlineData("")]
    public async Task halting_a_malformed_market_is_invalid_argument(string market)
    {
        var request = new HaltMarketRequest { Market = market, Reason = "test" };
        const string method = "clearing.governance.v1.GovernanceEmergency/HaltMarket";

        var refusal = await Should.ThrowAsync<RpcException>(async () =>
            await new GovernanceEmergency.GovernanceEmergencyClient(hosts["matching"].Channel).HaltMarketAsync(request, TestCredentials.Operator().SignGrpc(method, request)));

        refusal.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        refusal.Status.Detail.ShouldStartWith($"market '{market}' must be an upper-case market id");
    }

    [Fact]
    public async Task resetting_the_breaker_of_a_malformed_asset_is_invalid_argument()
    {
        var request = new ResetCircuitBreakerRequest { Asset = "b", Reason = "test" };
        const string method = "clearing.oracle.v1.OracleAdmin/ResetCircuitBreaker";

        var refusal = await Should.ThrowAsync<RpcException>(async () =>
            await new OracleAdmin.OracleAdminClient(hosts["oracle-ingest"].Channel).ResetCircuitBreakerAsync(request, TestCredentials.Operator().SignGrpc(method, request)));

        refusal.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        refusal.Status.Detail.ShouldBe("asset 'b' must be an upper-case symbol of 2-12 characters such as \"BTC\"");
    }

    [Fact]
    public async Task rebuilding_an_unknown_projection_is_invalid_argument_listing_the_known_ones()
    {
        var request = new RebuildProjectionRequest { Projection = "no-such-projection", Reason = "test" };

        var refusal = await Should.ThrowAsync<RpcException>(() => RebuildAsync("funding", request));

        refusal.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        refusal.Status.Detail.ShouldBe($"unknown projection 'no-such-projection'; this service has: {CountingProjection.ProjectionName}");
    }

    [Fact]
    public async Task rebuilding_a_projection_clears_it_and_replays_every_event_from_the_start()
    {
        var host = hosts["settlement"];
        var store = host.Services.GetRequiredService<IEventStore>();
        var projection = hosts.ProjectionOf("settlement");
        var serializer = new EventSerializer(new EventTypeMap().Register<TestEventHappened>(), new System.Text.Json.JsonSerializerOptions());
        await store.AppendAsync($"test-{Guid.NewGuid():N}", ExpectedVersion.NoStream,
            Enumerable.Range(1, 5).Select(i => serializer.Serialize(new TestEventHappened(i))).ToList());
        var head = await store.GetHeadPositionAsync();
        await WaitUntilAsync(() => projection.LastPosition >= head);
        var clearsBefore = projection.Clears;

        var reply = await RebuildAsync("settlement", new RebuildProjectionRequest { Projection = CountingProjection.ProjectionName, Reason = "read model changed" });

        reply.PreviousCheckpoint.ShouldBeGreaterThanOrEqualTo(head);
        reply.HeadPosition.ShouldBeGreaterThanOrEqualTo(head);
        projection.Clears.ShouldBe(clearsBefore + 1);
        var newHead = await store.GetHeadPositionAsync();
        await WaitUntilAsync(() => projection.LastPosition >= newHead);
        projection.Count.ShouldBe(newHead, "every event in $all counted exactly once after the rebuild");
    }

    private CreditCollateralRequest NewCredit() => (CreditCollateralRequest)PrivilegedCalls.All["margin/CreditCollateral"].NewRequest();

    private async Task<CreditCollateralReply> CreditAsync(CreditCollateralRequest request) =>
        await new MarginAdmin.MarginAdminClient(hosts["margin"].Channel).CreditCollateralAsync(request, TestCredentials.Operator().SignGrpc(CreditMethod, request));

    private async Task<RebuildProjectionReply> RebuildAsync(string host, RebuildProjectionRequest request) =>
        await new Replay.ReplayClient(hosts[host].Channel).RebuildProjectionAsync(request, TestCredentials.Operator().SignGrpc("clearing.ops.v1.Replay/RebuildProjection", request));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The projection did not catch up within 10 s.");
            }

            await Task.Delay(20);
        }
    }
}

[EventType("test.event-happened.v1")]
public sealed record TestEventHappened(int Number);
