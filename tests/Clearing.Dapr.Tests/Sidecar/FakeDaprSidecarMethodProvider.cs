using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using DaprService = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Clearing.Dapr.Tests.Sidecar;

/// <summary>
/// Dapr.Protos ships the runtime API's messages and client but no server base class, so the methods are bound by
/// hand: a Method descriptor per RPC, named from the service descriptor (a typo fails loudly at start) and marshalled
/// with the messages' own parsers.
/// </summary>
public sealed class FakeDaprSidecarMethodProvider : IServiceMethodProvider<FakeDaprSidecar>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<FakeDaprSidecar> context)
    {
        context.AddUnaryMethod(Unary(GetStateRequest.Parser, GetStateResponse.Parser, "GetState"), [],
            (sidecar, request, call) => sidecar.GetState(request, call));
        context.AddUnaryMethod(Unary(GetBulkStateRequest.Parser, GetBulkStateResponse.Parser, "GetBulkState"), [],
            (sidecar, request, call) => sidecar.GetBulkState(request, call));
        context.AddUnaryMethod(Unary(SaveStateRequest.Parser, Empty.Parser, "SaveState"), [],
            (sidecar, request, call) => sidecar.SaveState(request, call));
        context.AddUnaryMethod(Unary(DeleteStateRequest.Parser, Empty.Parser, "DeleteState"), [],
            (sidecar, request, call) => sidecar.DeleteState(request, call));
        context.AddUnaryMethod(Unary(ExecuteStateTransactionRequest.Parser, Empty.Parser, "ExecuteStateTransaction"), [],
            (sidecar, request, call) => sidecar.ExecuteStateTransaction(request, call));
        context.AddUnaryMethod(Unary(PublishEventRequest.Parser, Empty.Parser, "PublishEvent"), [],
            (sidecar, request, call) => sidecar.PublishEvent(request, call));
        context.AddUnaryMethod(Unary(GetMetadataRequest.Parser, GetMetadataResponse.Parser, "GetMetadata"), [],
            (sidecar, request, call) => sidecar.GetMetadata(request, call));
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(
        MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser, string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = DaprService.Descriptor.FindMethodByName(name)
            ?? throw new InvalidOperationException($"{DaprService.Descriptor.FullName} has no method {name}");
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new InvalidOperationException(
                $"{name} takes {method.InputType.ClrType.Name} and returns {method.OutputType.ClrType.Name}, not {typeof(TRequest).Name} → {typeof(TResponse).Name}");
        }

        return new Method<TRequest, TResponse>(MethodType.Unary, DaprService.Descriptor.FullName, name,
            Marshallers.Create(message => message.ToByteArray(), requestParser.ParseFrom),
            Marshallers.Create(message => message.ToByteArray(), responseParser.ParseFrom));
    }
}
