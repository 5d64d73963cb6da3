using System.Security.Claims;
using System.Text.RegularExpressions;
using Clearing.Contracts.Governance.V1;
using Clearing.Matching.Application;
using Clearing.ServiceDefaults.Operations;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;

namespace Clearing.Matching.Grpc;

/// <summary>
/// clearing.governance.v1.GovernanceEmergency, hosted by matching because matching owns market halts: the halt
/// takes effect where orders are accepted, with no hop through another service that could be down in the very
/// emergency that calls for it. One operator suffices for now; an operator quorum comes with governance.
/// </summary>
[Callers(Caller.Operator)]
public sealed partial class GovernanceEmergencyGrpcService(MarketHalts halts) : GovernanceEmergency.GovernanceEmergencyBase
{
    public override async Task<HaltMarketReply> HaltMarket(HaltMarketRequest request, ServerCallContext context)
    {
        if (request.Market.Length > 64 || !MarketShape().IsMatch(request.Market))
        {
            throw OperatorInput.Invalid($"market '{request.Market}' must be an upper-case market id such as \"BTC-PERP\" (letters, digits and '-', at most 64)");
        }

        var reason = OperatorInput.RequireReason(request.Reason);
        var haltedBy = context.GetHttpContext().User.FindFirstValue(ClaimTypes.Name) ?? "unknown";
        var outcome = await halts.HaltAsync(request.Market, haltedBy, reason, context.CancellationToken);
        return new HaltMarketReply
        {
            Market = request.Market,
            EventId = outcome.EventId?.ToString() ?? "",
            StreamVersion = outcome.StreamVersion,
            AlreadyHalted = outcome.AlreadyHalted,
        };
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")]
    private static partial Regex MarketShape();
}
