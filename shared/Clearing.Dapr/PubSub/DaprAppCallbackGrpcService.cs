using System.Globalization;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using DaprTopicSubscription = Dapr.AppCallback.Autogen.Grpc.v1.TopicSubscription;

namespace Clearing.Dapr.PubSub;

/// <summary>
/// The gRPC side of Dapr subscriptions, for sidecars started with <c>--app-protocol grpc</c> (our services serve
/// gRPC, so this is the usual case): daprd calls ListTopicSubscriptions at start and OnTopicEvent per event.
/// </summary>
public sealed class DaprAppCallbackGrpcService(TopicSubscriptionRegistry registry, TopicEventDispatcher dispatcher)
    : AppCallback.AppCallbackBase
{
    public override Task<ListTopicSubscriptionsResponse> ListTopicSubscriptions(Empty request, ServerCallContext context)
    {
        var response = new ListTopicSubscriptionsResponse();
        foreach (var declaration in DaprSubscriptionEndpoints.Declarations(registry))
        {
            response.Subscriptions.Add(new DaprTopicSubscription
            {
                PubsubName = declaration.PubSubName,
                Topic = declaration.Topic,
                Routes = new TopicRoutes { Default = declaration.Route },
                DeadLetterTopic = declaration.DeadLetterTopic,
            });
        }

        return Task.FromResult(response);
    }

    public override async Task<TopicEventResponse> OnTopicEvent(TopicEventRequest request, ServerCallContext context)
    {
        var extensions = request.Extensions?.Fields;
        var received = new ReceivedEvent
        {
            Id = request.Id,
            Source = request.Source,
            Type = request.Type,
            Subject = Extension(extensions, "subject"),
            Time = Extension(extensions, "time") is { } time
                ? DateTimeOffset.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
                : null,
            Topic = request.Topic,
            PubSubName = request.PubsubName,
            DataContentType = string.IsNullOrEmpty(request.DataContentType) ? "application/json" : request.DataContentType,
            Data = request.Data.Memory,
            CorrelationId = Extension(extensions, CloudEventJson.CorrelationIdAttribute),
            CausationId = Extension(extensions, CloudEventJson.CausationIdAttribute),
        };

        var outcome = await dispatcher.DispatchAsync(received, context.CancellationToken);
        return new TopicEventResponse
        {
            Status = outcome switch
            {
                TopicEventOutcome.Success => TopicEventResponse.Types.TopicEventResponseStatus.Success,
                TopicEventOutcome.Retry => TopicEventResponse.Types.TopicEventResponseStatus.Retry,
                _ => TopicEventResponse.Types.TopicEventResponseStatus.Drop,
            },
        };
    }

    /// <summary>This app has no input bindings; answering (rather than Unimplemented) keeps daprd's start-up log clean.</summary>
    public override Task<ListInputBindingsResponse> ListInputBindings(Empty request, ServerCallContext context) =>
        Task.FromResult(new ListInputBindingsResponse());

    private static string? Extension(Google.Protobuf.Collections.MapField<string, Value>? fields, string name) =>
        fields is not null && fields.TryGetValue(name, out var value) && value.KindCase == Value.KindOneofCase.StringValue
            ? value.StringValue
            : null;
}
