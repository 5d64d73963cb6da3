using System.Security.Claims;
using System.Text.RegularExpressions;
using Clearing.Contracts.Oracle.V1;
using Clearing.OracleIngest.Application;
using Clearing.ServiceDefaults.Operations;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;

namespace Clearing.OracleIngest.Grpc;

/// <summary>clearing.oracle.v1.OracleAdmin: operator-only oracle administration.</summary>
[Callers(Caller.Operator)]
public sealed partial class OracleAdminGrpcService(CircuitBreakerResets resets) : OracleAdmin.OracleAdminBase
{
    public override async Task<ResetCircuitBreakerReply> ResetCircuitBreaker(ResetCircuitBreakerRequest request, ServerCallContext context)
    {
        if (!AssetShape().IsMatch(request.Asset))
        {
            throw OperatorInput.Invalid($"asset '{request.Asset}' must be an upper-case symbol of 2-12 characters such as \"BTC\"");
        }

        var reason = OperatorInput.RequireReason(request.Reason);
        var resetBy = context.GetHttpContext().User.FindFirstValue(ClaimTypes.Name) ?? "unknown";
        var outcome = await resets.ResetAsync(request.Asset, resetBy, reason, context.CancellationToken);
        return new ResetCircuitBreakerReply
        {
            Asset = request.Asset,
            EventId = outcome.EventId.ToString(),
            StreamVersion = outcome.StreamVersion,
        };
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]{1,11}$")]
    private static partial Regex AssetShape();
}
