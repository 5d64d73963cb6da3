using System.Text.Json;
using Clearing.Contracts.Governance.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Ops.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.EventSourcing;
using Clearing.Hosting.Tests.Infrastructure;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Hosting.Tests;

/// <summary>Issue 2 item 7: every privileged endpoint refuses the unauthenticated and the wrong role, and works for an operator.</summary>
[Collection(HostsCollection.Name)]
public sealed class PrivilegedEndpointTests(HostsFixture hosts)
{
    [Theory]
    [MemberData(nameof(PrivilegedCalls.Keys), MemberType = typeof(PrivilegedCalls))]
    public async Task unauthenticated_call_is_refused_as_unauthenticated(string key)
    {
        var call = PrivilegedCalls.All[key];

        var refusal = await Should.ThrowAsync<RpcException>(() => call.Invoke(hosts[call.Host].Channel, call.NewRequest(), null));

        refusal.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        refusal.Status.Detail.ShouldStartWith("no credentials");
    }

    [Theory]
    [MemberData(nameof(PrivilegedCalls.Keys), MemberType = typeof(PrivilegedCalls))]
    public async Task valid_trader_signature_is_refused_as_permission_denied(string key)
    {
        var call = PrivilegedCalls.All[key];
        var request = call.NewRequest();

        var refusal = await Should.ThrowAsync<RpcException>(() =>
            call.Invoke(hosts[call.Host].Channel, request, TestCredentials.Trader().SignGrpc(call.FullMethod, request)));

        refusal.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        refusal.Status.Detail.ShouldBe($"trader '{TestCredentials.TraderAccount}' may not call /{call.FullMethod}: allowed callers are operator");
    }

    [Theory]
    [MemberData(nameof(PrivilegedCalls.Keys), MemberType = typeof(PrivilegedCalls))]
    public async Task operator_signature_is_accepted_and_the_action_is_stored_as_an_event(string key)
    {
        var call = PrivilegedCalls.All[key];
        var host = hosts[call.Host];
        var request = call.NewRequest();

        var reply = await call.Invoke(host.Channel, request, TestCredentials.Operator().SignGrpc(call.FullMethod, request));

        var (streamId, type, eventId) = reply switch
        {
            CreditCollateralReply r => ($"account-{r.AccountId}", "margin.collateral-credited.v1", r.EventId),
            ResetCircuitBreakerReply r => ($"oracle-{r.Asset}", "oracle.circuit-breaker-reset.v1", r.EventId),
            HaltMarketReply r => ($"halt-{r.Market}", "matching.market-halted.v1", r.EventId),
            RebuildProjectionReply r => ($"ops-{call.Host}", "ops.projection-rebuild-started.v1", r.EventId),
            _ => throw new InvalidOperationException($"Unexpected reply {reply.GetType().Name}"),
        };
        var stored = await LastEventAsync(host, streamId);
        stored.Type.ShouldBe(type);
        stored.EventId.ToString().ShouldBe(eventId);
        using var data = JsonDocument.Parse(stored.Data);
        data.RootElement.GetProperty(type.StartsWith("ops.", StringComparison.Ordinal) ? "requestedBy" : type switch
        {
            "margin.collateral-credited.v1" => "creditedBy",
            "oracle.circuit-breaker-reset.v1" => "resetBy",
            _ => "haltedBy",
        }).GetString().ShouldBe(TestCredentials.OperatorId);
    }

    [Fact]
    public async Task replayed_operator_nonce_is_refused()
    {
        var call = PrivilegedCalls.All["oracle-ingest/ResetCircuitBreaker"];
        var request = call.NewRequest();
        var headers = TestCredentials.Operator().SignGrpc(call.FullMethod, request);
        await call.Invoke(hosts[call.Host].Channel, request, headers);

        var refusal = await Should.ThrowAsync<RpcException>(() => call.Invoke(hosts[call.Host].Channel, request, headers));

        refusal.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        refusal.Status.Detail.ShouldContain($"was already used by operator key '{TestCredentials.OperatorId}': replayed request");
    }

    [Fact]
    public async Task replayed_trader_nonce_is_refused_before_the_role_check()
    {
        var call = PrivilegedCalls.All["margin/CreditCollateral"];
        var request = call.NewRequest();
        var headers = TestCredentials.Trader().SignGrpc(call.FullMethod, request);
        (await Should.ThrowAsync<RpcException>(() => call.Invoke(hosts[call.Host].Channel, request, headers))).StatusCode.ShouldBe(StatusCode.PermissionDenied);

        var refusal = await Should.ThrowAsync<RpcException>(() => call.Invoke(hosts[call.Host].Channel, request, headers));

        refusal.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        refusal.Status.Detail.ShouldContain($"was already used by account '{TestCredentials.TraderAccount}'");
    }

    [Fact]
    public async Task stale_timestamp_is_refused()
    {
        var call = PrivilegedCalls.All["matching/HaltMarket"];
        var request = call.NewRequest();
        var headers = TestCredentials.Operator().SignGrpc(call.FullMethod, request, timestamp: DateTimeOffset.UtcNow.AddMinutes(-5));

        var refusal = await Should.ThrowAsync<RpcException>(() => call.Invoke(hosts[call.Host].Channel, request, headers));

        refusal.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        refusal.Status.Detail.ShouldStartWith("request timestamp is stale: 300");
        refusal.Status.Detail.ShouldEndWith("the limit is 30 s");
    }

    [Fact]
    public async Task request_altered_after_signing_is_refused()
    {
        var call = PrivilegedCalls.All["margin/CreditCollateral"];
        var signed = (CreditCollateralRequest)call.NewRequest();
        var headers = TestCredentials.Operator().SignGrpc(call.FullMethod, signed);
        var altered = signed.Clone();
        altered.Amount = "1500000.25";

        var refusal = await Should.ThrowAsync<RpcException>(() => call.Invoke(hosts[call.Host].Channel, altered, headers));

        refusal.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        refusal.Status.Detail.ShouldStartWith($"signature does not verify for operator key '{TestCredentials.OperatorId}'");
    }

    [Fact]
    public async Task trader_signature_does_not_pass_as_an_operator_signature_even_with_the_same_key()
    {
        var call = PrivilegedCalls.All["margin/CreditCollateral"];
        var request = call.NewRequest();
        var asTrader = new RequestSigner(TestCredentials.TraderKey, SignerKind.Trader, TestCredentials.OperatorIdWithTraderKey)
            .SignGrpc(call.FullMethod, request);
        var relabelled = new Metadata();
        foreach (var entry in asTrader)
        {
            relabelled.Add(entry.Key == RequestSignature.AccountHeader ? RequestSignature.OperatorHeader : entry.Key, entry.Value);
        }

        var refusal = await Should.ThrowAsync<RpcException>(() => call.Invoke(hosts[call.Host].Channel, request, relabelled));

        refusal.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        refusal.Status.Detail.ShouldStartWith($"signature does not verify for operator key '{TestCredentials.OperatorIdWithTraderKey}'");
    }

    [Fact]
    public void every_grpc_method_of_every_host_declares_its_callers_or_why_it_is_public_and_only_probes_are_anonymous_otherwise()
    {
        foreach (var (name, _, _) in HostCatalog.All)
        {
            var endpoints = hosts[name].Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
                .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>().ToList();
            var grpcMethods = endpoints
                .Where(e => e.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method.ServiceName.StartsWith("clearing.", StringComparison.Ordinal) == true)
                .ToList();
            grpcMethods.ShouldNotBeEmpty();
            grpcMethods.ShouldAllBe(e => e.Metadata.GetMetadata<CallersAttribute>() != null || e.Metadata.GetMetadata<PublicEndpointAttribute>() != null);

            // Declared public endpoints (with their reason) are the only openings besides the probes.
            var anonymous = endpoints.Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() != null
                    && e.Metadata.GetMetadata<PublicEndpointAttribute>() == null)
                .Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal).ToList();
            anonymous.ShouldBe(["/health/live", "/health/ready", "/metrics"], $"{name} anonymous endpoints");

            var declaredPublic = grpcMethods.Where(e => e.Metadata.GetMetadata<PublicEndpointAttribute>() != null)
                .Select(e => e.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>()!.Method.FullName).Distinct().Order(StringComparer.Ordinal).ToList();
            declaredPublic.ShouldBe(name == "order-gateway"
                ? ["/clearing.gateway.v1.OrderGateway/AmendOrder", "/clearing.gateway.v1.OrderGateway/CancelAll", "/clearing.gateway.v1.OrderGateway/CancelOrder",
                   "/clearing.gateway.v1.OrderGateway/GrantSession", "/clearing.gateway.v1.OrderGateway/PlaceOrder", "/clearing.gateway.v1.OrderGateway/RevokeSession",
                   "/clearing.gateway.v1.OrderGateway/StreamDepth", "/clearing.gateway.v1.OrderGateway/SubmitOrders"]
                : [], $"{name} public gRPC methods");
        }
    }

    private static async Task<RecordedEvent> LastEventAsync(ServiceHost host, string streamId)
    {
        var store = host.Services.GetRequiredService<IEventStore>();
        await foreach (var e in store.ReadStreamAsync(streamId, ReadDirection.Backward, -1, 1))
        {
            return e;
        }

        throw new InvalidOperationException($"Stream '{streamId}' is empty.");
    }
}
