using Clearing.Contracts.Governance.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Ops.V1;
using Clearing.Contracts.Oracle.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>One privileged gRPC endpoint: where it is hosted, how to build a fresh valid request and how to call it.</summary>
public sealed record PrivilegedCall(
    string Key,
    string Host,
    string FullMethod,
    Func<IMessage> NewRequest,
    Func<GrpcChannel, IMessage, Metadata?, Task<IMessage>> Invoke);

/// <summary>Every privileged endpoint of issue 2: collateral credit, circuit-breaker reset, emergency halt, and replay on every host.</summary>
public static class PrivilegedCalls
{
    private static int _sequence;

    public static IReadOnlyDictionary<string, PrivilegedCall> All { get; } = Build().ToDictionary(c => c.Key, StringComparer.Ordinal);

    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        foreach (var key in All.Keys)
        {
            data.Add(key);
        }

        return data;
    }

    public static int Next() => Interlocked.Increment(ref _sequence);

    private static IEnumerable<PrivilegedCall> Build()
    {
        yield return new PrivilegedCall(
            "margin/CreditCollateral", "margin", "clearing.margin.v1.MarginAdmin/CreditCollateral",
            () => new CreditCollateralRequest
            {
                AccountId = $"acct-{Next()}",
                Asset = "USDC",
                Amount = "1500.25",
                Reference = $"deposit-tx-{Guid.NewGuid():N}",
                Reason = "confirmed on-chain deposit",
            },
            async (channel, request, headers) => await new MarginAdmin.MarginAdminClient(channel).CreditCollateralAsync((CreditCollateralRequest)request, headers));

        yield return new PrivilegedCall(
            "oracle-ingest/ResetCircuitBreaker", "oracle-ingest", "clearing.oracle.v1.OracleAdmin/ResetCircuitBreaker",
            () => new ResetCircuitBreakerRequest { Asset = $"BT{Next()}", Reason = "exchange feed recovered" },
            async (channel, request, headers) => await new OracleAdmin.OracleAdminClient(channel).ResetCircuitBreakerAsync((ResetCircuitBreakerRequest)request, headers));

        yield return new PrivilegedCall(
            "matching/HaltMarket", "matching", "clearing.governance.v1.GovernanceEmergency/HaltMarket",
            () => new HaltMarketRequest { Market = $"ETH{Next()}-PERP", Reason = "oracle manipulation suspected" },
            async (channel, request, headers) => await new GovernanceEmergency.GovernanceEmergencyClient(channel).HaltMarketAsync((HaltMarketRequest)request, headers));

        foreach (var (host, _, _) in HostCatalog.All)
        {
            yield return new PrivilegedCall(
                $"{host}/RebuildProjection", host, "clearing.ops.v1.Replay/RebuildProjection",
                () => new RebuildProjectionRequest { Projection = CountingProjection.ProjectionName, Reason = "read model schema changed" },
                async (channel, request, headers) => await new Replay.ReplayClient(channel).RebuildProjectionAsync((RebuildProjectionRequest)request, headers));
        }
    }
}
