using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Clearing.Dapr.Tests.Sidecar;

/// <summary>
/// Calls an app's AppCallback service the way daprd does. Dapr.Protos generates only the server side of this
/// service, so the two calls are bound by hand from its descriptor.
/// </summary>
public sealed class AppCallbackTestClient(CallInvoker invoker)
{
    private static readonly Method<Empty, ListTopicSubscriptionsResponse> ListTopicSubscriptionsMethod =
        Unary(Empty.Parser, ListTopicSubscriptionsResponse.Parser, "ListTopicSubscriptions");

    private static readonly Method<TopicEventRequest, TopicEventResponse> OnTopicEventMethod =
        Unary(TopicEventRequest.Parser, TopicEventResponse.Parser, "OnTopicEvent");

    public async Task<ListTopicSubscriptionsResponse> ListTopicSubscriptionsAsync(Empty request) =>
        await invoker.AsyncUnaryCall(ListTopicSubscriptionsMethod, null, new CallOptions(), request);

    public async Task<TopicEventResponse> OnTopicEventAsync(TopicEventRequest request) =>
        await invoker.AsyncUnaryCall(OnTopicEventMethod, null, new CallOptions(), request);

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(
        MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser, string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var service = AppCallback.Descriptor;
        _ = service.FindMethodByName(name) ?? throw new InvalidOperationException($"{service.FullName} has no method {name}");
        return new Method<TRequest, TResponse>(MethodType.Unary, service.FullName, name,
            Marshallers.Create(message => message.ToByteArray(), requestParser.ParseFrom),
            Marshallers.Create(message => message.ToByteArray(), responseParser.ParseFrom));
    }
}
