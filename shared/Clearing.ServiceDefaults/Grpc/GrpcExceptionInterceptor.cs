using Clearing.EventSourcing;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Clearing.ServiceDefaults.Grpc;

/// <summary>
/// Maps the shared failure types to gRPC status codes so every service answers them alike: a concurrent writer
/// won (Aborted: retry the call), the store or a dependency is down (Unavailable: retry later), bad input that a
/// domain check caught (InvalidArgument with its message). Anything else stays Unknown, as gRPC does by default.
/// </summary>
internal sealed class GrpcExceptionInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (Map(ex) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (Map(ex) is { } status)
        {
            throw new RpcException(status);
        }
    }

    internal static Status? Map(Exception exception) => exception switch
    {
        RpcException => null,
        WrongExpectedVersionException e => new Status(StatusCode.Aborted, e.Message),
        EventStoreUnavailableException e => new Status(StatusCode.Unavailable, e.Message),
        BrokenCircuitException e => new Status(StatusCode.Unavailable, e.Message),
        TimeoutRejectedException e => new Status(StatusCode.Unavailable, e.Message),
        ArgumentException e => new Status(StatusCode.InvalidArgument, e.Message),
        _ => null,
    };
}
