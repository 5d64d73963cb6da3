using Clearing.Dapr.State;
using Dapr;
using Grpc.Core;

namespace Clearing.Dapr.Tests.State;

/// <summary>How daprd's error shapes map to the typed concurrency error, including ones the fake sidecar does not produce.</summary>
public sealed class DaprConflictMappingTests
{
    [Theory]
    [InlineData(StatusCode.Aborted, "failed saving state in state store statestore: possible etag mismatch")]
    [InlineData(StatusCode.Internal, "error while executing state transaction: possible etag mismatch. error from state store: ")]
    [InlineData(StatusCode.Internal, "failed saving state in state store statestore: no item was updated")]
    public void sidecar_errors_that_mean_the_condition_failed_are_concurrency_conflicts(StatusCode code, string detail)
    {
        var wrapped = new DaprException("State operation failed", new RpcException(new Status(code, detail)));

        DaprStateStore.IsConcurrencyConflict(wrapped).ShouldBeTrue();
        DaprStateStore.IsConcurrencyConflict(new RpcException(new Status(code, detail))).ShouldBeTrue();
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, "state store statestore is not found")]
    [InlineData(StatusCode.Unavailable, "connection refused")]
    [InlineData(StatusCode.Internal, "failed saving state in state store statestore: connection reset")]
    public void other_sidecar_errors_are_not_concurrency_conflicts(StatusCode code, string detail)
    {
        DaprStateStore.IsConcurrencyConflict(new DaprException("failed", new RpcException(new Status(code, detail)))).ShouldBeFalse();
    }
}
