using System.Security.Claims;
using Clearing.Contracts.Ops.V1;
using Clearing.EventSourcing;
using Clearing.ServiceDefaults.Configuration;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults.Operations;

/// <summary>
/// clearing.ops.v1.Replay, mapped by every service: rebuilds one of the service's registered projections and
/// records who asked and why in the service's "ops-{service}" stream.
/// </summary>
[Callers(Caller.Operator)]
public sealed class ReplayGrpcService(
    IEnumerable<IRebuildableProjection> projections,
    IEventStore store,
    IOptions<ClearingOptions> clearing,
    TimeProvider time) : Replay.ReplayBase
{
    private static readonly EventSerializer Serializer = OperationsEvents.CreateSerializer();

    /// <summary>Long enough for a projection to finish the event it is handling; a stuck one is reported, not waited on forever.</summary>
    private static readonly TimeSpan ResetTimeout = TimeSpan.FromSeconds(30);

    public override async Task<RebuildProjectionReply> RebuildProjection(RebuildProjectionRequest request, ServerCallContext context)
    {
        var known = projections.ToDictionary(p => p.Name, StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Projection))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"projection must be set; this service has: {Describe(known.Keys)}"));
        }

        if (!known.TryGetValue(request.Projection, out var projection))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"unknown projection '{request.Projection}'; this service has: {Describe(known.Keys)}"));
        }

        var reason = OperatorInput.RequireReason(request.Reason);
        var head = await store.GetHeadPositionAsync(context.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        timeout.CancelAfter(ResetTimeout);
        long previous;
        try
        {
            previous = await projection.RebuildAsync(timeout.Token);
        }
        catch (InvalidOperationException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                $"projection '{request.Projection}' did not reset within {ResetTimeout.TotalSeconds:0} s; is the service still starting or stopping?"));
        }

        var service = clearing.Value.ServiceName;
        var started = new ProjectionRebuildStarted(service, projection.Name, previous, head,
            context.GetHttpContext().User.FindFirstValue(ClaimTypes.Name) ?? "unknown", reason, time.GetUtcNow());
        var data = Serializer.Serialize(started);
        // An audit log: every entry is independent, so any version is right.
        await store.AppendAsync(StreamName.For(OperationsEvents.StreamCategory, service), ExpectedVersion.Any, [data], context.CancellationToken);
        return new RebuildProjectionReply
        {
            Projection = projection.Name,
            PreviousCheckpoint = previous,
            HeadPosition = head,
            EventId = data.EventId.ToString(),
        };
    }

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "(no projections)" : string.Join(", ", list);
    }
}
