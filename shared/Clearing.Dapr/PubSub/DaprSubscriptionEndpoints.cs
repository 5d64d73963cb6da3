using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Dapr.PubSub;

/// <summary>
/// Dapr programmatic subscription for hosts whose sidecar talks HTTP to the app (<c>--app-protocol http</c>):
/// GET /dapr/subscribe lists the subscriptions, each with <c>deadLetterTopic</c> = clearing.dlq.v1, and daprd
/// POSTs each CloudEvent to the subscription's route. Hosts whose sidecar talks gRPC to the app use
/// <see cref="DaprAppCallbackGrpcService"/> instead; <see cref="MapClearingDaprSubscriptions"/> maps both.
/// </summary>
public static class DaprSubscriptionEndpoints
{
    public const string SubscribePath = "/dapr/subscribe";

    /// <summary>
    /// Maps the HTTP subscription endpoints and the gRPC app callback. The returned builder applies a convention to
    /// all of them, so the host declares their caller once, e.g. <c>.RequireCallers(Caller.Service)</c>: only the
    /// sidecar calls these.
    /// </summary>
    public static IEndpointConventionBuilder MapClearingDaprSubscriptions(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var registry = endpoints.ServiceProvider.GetRequiredService<TopicSubscriptionRegistry>();
        var mapped = new List<IEndpointConventionBuilder>
        {
            endpoints.MapGet(SubscribePath,
                () => Results.Json(Declarations(registry), DaprSubscriptionJsonContext.Default.DaprSubscriptionDeclarationArray)),
        };

        foreach (var subscription in registry.All)
        {
            mapped.Add(endpoints.MapPost(subscription.Route, (HttpContext context, TopicEventDispatcher dispatcher) =>
                DeliverAsync(context, subscription, registry, dispatcher)));
        }

        mapped.Add(endpoints.MapGrpcService<DaprAppCallbackGrpcService>());
        return new CompositeEndpointConventionBuilder(mapped);
    }

    internal static DaprSubscriptionDeclaration[] Declarations(TopicSubscriptionRegistry registry) =>
        registry.All
            .OrderBy(s => s.Topic, StringComparer.Ordinal)
            .Select(s => new DaprSubscriptionDeclaration(registry.PubSubName, s.Topic, s.Route, registry.DeadLetterTopic))
            .ToArray();

    private static async Task<IResult> DeliverAsync(HttpContext context, TopicSubscription subscription,
        TopicSubscriptionRegistry registry, TopicEventDispatcher dispatcher)
    {
        ReceivedEvent received;
        try
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            received = CloudEventJson.Parse(body.GetBuffer().AsSpan(0, (int)body.Length), subscription.Topic, registry.PubSubName);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            // A body that is not a CloudEvent will never parse: DROP it rather than have daprd retry it forever.
            return Results.Json(new DaprDeliveryStatus("DROP", ex.Message), DaprSubscriptionJsonContext.Default.DaprDeliveryStatus);
        }

        var outcome = await dispatcher.DispatchAsync(received with { Topic = subscription.Topic }, context.RequestAborted);
        return Results.Json(new DaprDeliveryStatus(ToDaprStatus(outcome), null), DaprSubscriptionJsonContext.Default.DaprDeliveryStatus);
    }

    internal static string ToDaprStatus(TopicEventOutcome outcome) => outcome switch
    {
        TopicEventOutcome.Success => "SUCCESS",
        TopicEventOutcome.Retry => "RETRY",
        TopicEventOutcome.Drop => "DROP",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown topic event outcome."),
    };
}

internal sealed class CompositeEndpointConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
{
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}

/// <summary>One entry of GET /dapr/subscribe, in the field names daprd reads.</summary>
public sealed record DaprSubscriptionDeclaration(
    [property: JsonPropertyName("pubsubname")] string PubSubName,
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("route")] string Route,
    [property: JsonPropertyName("deadLetterTopic")] string DeadLetterTopic);

/// <summary>The body daprd reads back from a delivery.</summary>
public sealed record DaprDeliveryStatus(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message);

[JsonSerializable(typeof(DaprSubscriptionDeclaration[]))]
[JsonSerializable(typeof(DaprDeliveryStatus))]
internal sealed partial class DaprSubscriptionJsonContext : JsonSerializerContext;
