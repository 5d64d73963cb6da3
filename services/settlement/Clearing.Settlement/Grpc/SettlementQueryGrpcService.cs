using System.Security.Claims;
using Clearing.Contracts.Settlement.V1;
using Clearing.ServiceDefaults.Operations;
using Clearing.ServiceDefaults.Security;
using Clearing.Settlement.Application;
using Clearing.Settlement.Domain.Proofs;
using Grpc.Core;

namespace Clearing.Settlement.Grpc;

/// <summary>clearing.settlement.v1.SettlementQuery: a trader fetches its own inclusion proof; an operator any account's.</summary>
[Callers(Caller.Trader, Caller.Operator)]
public sealed class SettlementQueryGrpcService(LedgerProcessor ledger) : SettlementQuery.SettlementQueryBase
{
    public override async Task<GetInclusionProofReply> GetInclusionProof(GetInclusionProofRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.AccountId))
        {
            throw OperatorInput.Invalid("account_id must be set");
        }

        if (string.IsNullOrWhiteSpace(request.Asset))
        {
            throw OperatorInput.Invalid("asset must be set, e.g. \"USDC\": each asset has its own tree");
        }

        var user = context.GetHttpContext().User;
        if (user.IsInRole(ClearingRoles.Trader) && !user.IsInRole(ClearingRoles.Operator)
            && user.FindFirstValue(ClearingClaims.Account) != request.AccountId)
        {
            // The proof carries the account's salt, which would let its holder find that account's leaf.
            throw new RpcException(new Status(StatusCode.PermissionDenied, "a trader may fetch only its own account's proof"));
        }

        var (proof, closed) = await ledger.ProofAsync(request.AccountId, request.Epoch, request.Asset, context.CancellationToken);
        if (closed is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"epoch {request.Epoch} has no closed {request.Asset} tree"));
        }

        if (proof is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"account '{request.AccountId}' has no {request.Asset} leaf in epoch {request.Epoch}"));
        }

        return new GetInclusionProofReply
        {
            ProofJson = InclusionProofJson.Serialize(proof),
            RootHash = closed.RootHash,
            TotalLiabilities = proof.Total,
            Liability = proof.Liability,
            LedgerBalance = proof.LedgerBalance,
            Levels = proof.Levels.Count,
        };
    }
}
