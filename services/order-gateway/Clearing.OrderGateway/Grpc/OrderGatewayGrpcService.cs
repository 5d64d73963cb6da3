using System.Security.Claims;
using Clearing.Contracts.Gateway.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Depth;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.OrderGateway.Domain.Rules;
using Clearing.OrderGateway.Integration;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;

namespace Clearing.OrderGateway.Grpc;

/// <summary>
/// clearing.gateway.v1.OrderGateway. Order and session calls are anonymous at the transport on purpose: each one
/// carries its own proof (account signature or session MAC over the canonical bytes), checked by the gate, which
/// is stronger than a transport credential because it binds the exact order. The depth stream is public; the
/// account update stream needs a trader-signed request (the shared Clearing request signature).
/// </summary>
public sealed class OrderGatewayGrpcService(OrderAdmission admission, MarketViews markets) : Contracts.Gateway.V1.OrderGateway.OrderGatewayBase
{
    /// <summary>Trailer holding the failed rule alone, for clients that branch on it.</summary>
    public const string RuleTrailer = "clearing-rule";

    [PublicEndpoint("the order carries its own proof: an account signature or a session MAC over its canonical bytes")]
    public override Task<OrderReply> PlaceOrder(PlaceOrderRequest request, ServerCallContext context) =>
        SubmitAsync(() => RequestMapping.ToCommand(request), request.Auth, request.Order?.OrderId ?? "", context);

    [PublicEndpoint("the order carries its own proof: an account signature or a session MAC over its canonical bytes")]
    public override Task<OrderReply> CancelOrder(CancelOrderRequest request, ServerCallContext context) =>
        SubmitAsync(() => RequestMapping.ToCommand(request), request.Auth, request.Cancel?.OrderId ?? "", context);

    [PublicEndpoint("the order carries its own proof: an account signature or a session MAC over its canonical bytes")]
    public override Task<OrderReply> AmendOrder(AmendOrderRequest request, ServerCallContext context) =>
        SubmitAsync(() => RequestMapping.ToCommand(request), request.Auth, request.Amend?.OrderId ?? "", context);

    [PublicEndpoint("the order carries its own proof: an account signature or a session MAC over its canonical bytes")]
    public override Task<OrderReply> CancelAll(CancelAllRequest request, ServerCallContext context) =>
        SubmitAsync(() => RequestMapping.ToCommand(request), request.Auth, "", context);

    [PublicEndpoint("each command carries its own proof: an account signature or a session MAC over its canonical bytes")]
    public override async Task<SubmitOrdersReply> SubmitOrders(SubmitOrdersRequest request, ServerCallContext context)
    {
        if (request.Commands.Count > OrderAdmission.MaxBatchSize)
        {
            throw Refuse(Rule.Refuse(Rule.Malformed, $"a batch may carry at most {OrderAdmission.MaxBatchSize} commands, got {request.Commands.Count}"), context);
        }

        // A command that cannot be read is refused alone; the readable ones are judged together, in the order given.
        var results = new OrderResult[request.Commands.Count];
        var readable = new List<(int Index, Domain.Commands.GatewayCommand Command, OrderProof Proof, string OrderId)>(request.Commands.Count);
        for (var i = 0; i < request.Commands.Count; i++)
        {
            var item = request.Commands[i];
            try
            {
                var (command, auth, orderId) = item.CommandCase switch
                {
                    OrderCommandRequest.CommandOneofCase.Place => (RequestMapping.ToCommand(item.Place), item.Place.Auth, item.Place.Order?.OrderId ?? ""),
                    OrderCommandRequest.CommandOneofCase.Cancel => (RequestMapping.ToCommand(item.Cancel), item.Cancel.Auth, item.Cancel.Cancel?.OrderId ?? ""),
                    OrderCommandRequest.CommandOneofCase.Amend => (RequestMapping.ToCommand(item.Amend), item.Amend.Auth, item.Amend.Amend?.OrderId ?? ""),
                    OrderCommandRequest.CommandOneofCase.CancelAll => (RequestMapping.ToCommand(item.CancelAll), item.CancelAll.Auth, ""),
                    _ => throw new MalformedRequestException($"commands[{i}] holds no command (place, cancel, amend or cancel_all)"),
                };
                readable.Add((i, command, RequestMapping.ToProof(auth), orderId));
            }
            catch (MalformedRequestException ex)
            {
                results[i] = Refused(ex.Refusal);
            }
        }

        var outcomes = await admission.SubmitManyAsync(readable.Select(r => (r.Command, r.Proof)).ToList(), context.CancellationToken);
        for (var j = 0; j < readable.Count; j++)
        {
            var (index, command, _, orderId) = readable[j];
            results[index] = outcomes[j] switch
            {
                Admission.Accepted accepted => new OrderResult { Accepted = Reply(accepted, command, orderId) },
                Admission.Refused refused => Refused(refused.Refusal),
                var other => throw new InvalidOperationException($"unexpected admission {other.GetType().Name}"),
            };
        }

        return new SubmitOrdersReply { Results = { results } };
    }

    [PublicEndpoint("the grant carries the account key's signature over its canonical bytes")]
    public override async Task<SessionReply> GrantSession(GrantSessionRequest request, ServerCallContext context)
    {
        var (grant, proof, auth) = Read(() => (RequestMapping.ToGrant(request), RequestMapping.ToAccountProof(request.Auth), RequestMapping.Auth(request.Auth)), context);
        var outcome = await admission.GrantSessionAsync(grant, request.Secret.ToByteArray(), auth.Nonce, auth.ExpiresAtUnixNanos, proof, context.CancellationToken);
        return Reply(outcome, context);
    }

    [PublicEndpoint("the revocation carries the account key's signature over its canonical bytes")]
    public override async Task<SessionReply> RevokeSession(RevokeSessionRequest request, ServerCallContext context)
    {
        var (proof, auth) = Read(() => (RequestMapping.ToAccountProof(request.Auth), RequestMapping.Auth(request.Auth)), context);
        var outcome = await admission.RevokeSessionAsync(auth.AccountId, request.SessionId, auth.Nonce, auth.ExpiresAtUnixNanos, proof, context.CancellationToken);
        return Reply(outcome, context);
    }

    [Callers(Caller.Trader)]
    public override async Task StreamOrderUpdates(StreamOrderUpdatesRequest request, IServerStreamWriter<OrderUpdate> responseStream, ServerCallContext context)
    {
        var account = context.GetHttpContext().User.FindFirstValue(ClearingClaims.Account)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "the request is not signed by an account"));
        using var subscription = markets.SubscribeAccount(account);
        await foreach (var update in subscription.Updates.ReadAllAsync(context.CancellationToken))
        {
            if (request.Market.Length == 0 || update.Market == request.Market)
            {
                await responseStream.WriteAsync(new OrderUpdate { Event = update }, context.CancellationToken);
            }
        }
    }

    [PublicEndpoint("level-2 depth is public market data")]
    public override async Task StreamDepth(StreamDepthRequest request, IServerStreamWriter<DepthUpdate> responseStream, ServerCallContext context)
    {
        if (markets.ContextOf(request.Market) is null)
        {
            throw Refuse(Rule.Refuse(Rule.UnknownMarket, $"market '{request.Market}' is not traded here"), context);
        }

        using var subscription = markets.SubscribeDepth(request.Market, request.Depth);
        var snapshot = subscription.Snapshot;
        await responseStream.WriteAsync(new DepthUpdate
        {
            Market = request.Market,
            Sequence = snapshot.Sequence,
            MatchingSequence = snapshot.MatchingSequence,
            Snapshot = new Contracts.Gateway.V1.DepthSnapshot { Bids = { snapshot.Bids.Select(ToProto) }, Asks = { snapshot.Asks.Select(ToProto) } },
        }, context.CancellationToken);
        await foreach (var delta in subscription.Deltas.ReadAllAsync(context.CancellationToken))
        {
            if (delta.Sequence <= snapshot.Sequence)
            {
                continue;
            }

            await responseStream.WriteAsync(new DepthUpdate
            {
                Market = request.Market,
                Sequence = delta.Sequence,
                MatchingSequence = delta.MatchingSequence,
                Delta = new Contracts.Gateway.V1.DepthDelta { Bids = { delta.Bids.Select(ToProto) }, Asks = { delta.Asks.Select(ToProto) } },
            }, context.CancellationToken);
        }
    }

    /// <summary>The status a refusal answers with: the rule leads the message and is repeated in the clearing-rule trailer.</summary>
    public static RpcException Refuse(Refusal refusal, ServerCallContext context)
    {
        context.ResponseTrailers.Add(RuleTrailer, refusal.Rule);
        return new RpcException(new Status(StatusCodeOf(refusal.Status), refusal.ToString()));
    }

    public static StatusCode StatusCodeOf(RefusalStatus status) => status switch
    {
        RefusalStatus.InvalidArgument => StatusCode.InvalidArgument,
        RefusalStatus.Unauthenticated => StatusCode.Unauthenticated,
        RefusalStatus.PermissionDenied => StatusCode.PermissionDenied,
        RefusalStatus.AlreadyExists => StatusCode.AlreadyExists,
        RefusalStatus.DeadlineExceeded => StatusCode.DeadlineExceeded,
        RefusalStatus.NotFound => StatusCode.NotFound,
        RefusalStatus.OutOfRange => StatusCode.OutOfRange,
        RefusalStatus.ResourceExhausted => StatusCode.ResourceExhausted,
        RefusalStatus.FailedPrecondition => StatusCode.FailedPrecondition,
        RefusalStatus.Aborted => StatusCode.Aborted,
        RefusalStatus.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    private async Task<OrderReply> SubmitAsync(Func<Domain.Commands.GatewayCommand> read, Authentication? auth, string orderId, ServerCallContext context)
    {
        var (command, proof) = Read(() => (read(), RequestMapping.ToProof(auth)), context);
        var outcome = await admission.SubmitAsync(command, proof, context.CancellationToken);
        return outcome switch
        {
            Admission.Accepted accepted => Reply(accepted, command, orderId),
            Admission.Refused refused => throw Refuse(refused.Refusal, context),
            _ => throw new InvalidOperationException($"unexpected admission {outcome.GetType().Name}"),
        };
    }

    private static OrderReply Reply(Admission.Accepted accepted, Domain.Commands.GatewayCommand command, string orderId) => new()
    {
        CommandId = accepted.CommandId,
        AccountId = command.AccountId,
        Market = command.Market,
        OrderId = orderId,
        Duplicate = accepted.Duplicate,
        AcceptedAtUnixNanos = accepted.AcceptedAtUnixNanos,
    };

    /// <summary>A batch item's refusal: what a single call would have answered (its rule, message and status code).</summary>
    private static OrderResult Refused(Refusal refusal) => new()
    {
        Refused = new OrderRefusal { Rule = refusal.Rule, Message = refusal.ToString(), StatusCode = (int)StatusCodeOf(refusal.Status) },
    };

    private static T Read<T>(Func<T> read, ServerCallContext context)
    {
        try
        {
            return read();
        }
        catch (MalformedRequestException ex)
        {
            throw Refuse(ex.Refusal, context);
        }
    }

    private static SessionReply Reply(SessionAdmission outcome, ServerCallContext context) => outcome switch
    {
        SessionAdmission.Done done => new SessionReply
        {
            AccountId = done.Grant.AccountId,
            SessionId = done.Grant.SessionId,
            SessionExpiresAtUnixNanos = done.Grant.SessionExpiresAtUnixNanos,
            Revoked = done.Revoked,
        },
        SessionAdmission.Refused refused => throw Refuse(refused.Refusal, context),
        _ => throw new InvalidOperationException($"unexpected session admission {outcome.GetType().Name}"),
    };

    private static BookLevel ToProto(DepthLevel level) =>
        new() { Price = DecimalText.Format(level.Price), Quantity = DecimalText.Format(level.Quantity), Orders = level.Orders };
}
