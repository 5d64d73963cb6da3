using Clearing.Contracts.Governance.V1;
using Clearing.Governance.Application;
using Clearing.Governance.Domain.Contract;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;
using Clearing.ServiceDefaults.Operations;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;

namespace Clearing.Governance.Grpc;

/// <summary>
/// clearing.governance.v1.Governance. The transport caller is authenticated as usual (a governor's key doubles as an
/// operator key here); the authority for a change is the governor signature each write carries.
/// </summary>
public sealed class GovernanceGrpcService(ProposalDesk desk, ParameterRegistry registry, TimeProvider time) : Contracts.Governance.V1.Governance.GovernanceBase
{
    [Callers(Caller.Operator)]
    public override Task<ProposalReply> Propose(ProposeRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var draft = ProposalContract.ToDraft(request);
            var result = await desk.ProposeAsync(draft, request.Proposer, request.Signature, context.CancellationToken);
            return Reply(result);
        });

    [Callers(Caller.Operator)]
    public override Task<ProposalReply> Approve(ApproveRequest request, ServerCallContext context) =>
        Run(async () => Reply(await desk.ApproveAsync(ProposalId(request.ProposalId), request.Governor, request.Signature, context.CancellationToken)));

    [Callers(Caller.Operator)]
    public override Task<ProposalReply> Execute(ExecuteRequest request, ServerCallContext context) =>
        Run(async () => Reply(await desk.ExecuteAsync(ProposalId(request.ProposalId), context.CancellationToken)));

    [Callers(Caller.Operator)]
    public override Task<ProposalReply> Cancel(CancelRequest request, ServerCallContext context) =>
        Run(async () => Reply(await desk.CancelAsync(ProposalId(request.ProposalId), request.Governor, request.Signature, request.Reason, context.CancellationToken)));

    [Callers(Caller.Operator, Caller.Service)]
    public override Task<ProposalReply> GetProposal(GetProposalRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var proposal = await desk.GetAsync(ProposalId(request.ProposalId), context.CancellationToken)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"no proposal '{request.ProposalId}'"));
            return ProposalContract.ToReply(proposal, "", time.GetUtcNow());
        });

    [Callers(Caller.Operator, Caller.Service)]
    public override async Task<GetParametersReply> GetParameters(GetParametersRequest request, ServerCallContext context)
    {
        await registry.WhenReady(context.CancellationToken);
        var history = History(request.SetId);
        var at = request.AtUnixNanos == 0 ? time.GetUtcNow() : ProposalCanonical.FromUnixNanos(request.AtUnixNanos);
        var reply = new GetParametersReply { Latest = ProposalContract.ToProto(history.Latest) };
        if (history.At(at) is { } inForce)
        {
            reply.InForce = ProposalContract.ToProto(inForce);
        }

        return reply;
    }

    [Callers(Caller.Operator, Caller.Service)]
    public override async Task<HistoryReply> History(HistoryRequest request, ServerCallContext context)
    {
        await registry.WhenReady(context.CancellationToken);
        var reply = new HistoryReply();
        reply.Versions.AddRange(History(request.SetId).Versions.Select(ProposalContract.ToProto));
        return reply;
    }

    private Clearing.Parameters.ParameterHistory History(string setId)
    {
        if (ParameterSets.Problem(setId) is { } problem)
        {
            throw OperatorInput.Invalid(problem);
        }

        return registry.Book.History(setId) ?? throw new RpcException(new Status(StatusCode.NotFound, $"no parameter set '{setId}' (params-{setId} does not exist)"));
    }

    private static string ProposalId(string id) =>
        ParameterSetsGuard.ProposalIdProblem(id) is { } problem ? throw OperatorInput.Invalid(problem) : id;

    private ProposalReply Reply(DeskResult result) => ProposalContract.ToReply(result.Proposal, result.Outcome, time.GetUtcNow());

    private static async Task<T> Run<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ParamsContractException ex)
        {
            throw OperatorInput.Invalid(ex.Message);
        }
        catch (GovernanceRefusedException ex)
        {
            throw new RpcException(new Status(
                ex.Refusal.Kind switch
                {
                    RefusalKind.Invalid => StatusCode.InvalidArgument,
                    RefusalKind.NotAuthorized => StatusCode.PermissionDenied,
                    RefusalKind.NotFound => StatusCode.NotFound,
                    RefusalKind.Conflict => StatusCode.AlreadyExists,
                    _ => StatusCode.FailedPrecondition,
                },
                ex.Refusal.Message));
        }
    }
}
