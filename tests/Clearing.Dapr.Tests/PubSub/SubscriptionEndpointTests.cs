using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Clearing.Contracts;
using Clearing.Dapr.Hosting;
using Clearing.Dapr.PubSub;
using Clearing.Dapr.Tests.Sidecar;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Clearing.Dapr.Tests.PubSub;

/// <summary>
/// What daprd sees of a subscribing host: GET /dapr/subscribe and the delivery routes (app protocol http), and the
/// AppCallback gRPC service (app protocol grpc).
/// </summary>
public sealed class SubscriptionEndpointTests : IAsyncLifetime
{
    private static readonly object SidecarOnly = new();

    private WebApplication _app = null!;

    private EventSink Sink => _app.Services.GetRequiredService<EventSink>();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dapr:PubSubName"] = "clearing-pubsub",
            ["Dapr:DataDirectory"] = Path.Combine(Path.GetTempPath(), "clearing-dapr-tests", Guid.NewGuid().ToString("N")),
        });
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddSingleton<EventSink>();
        builder.Services.AddTopicSubscription<ScriptedHandler>(Topics.MarginRisk);
        builder.Services.AddTopicSubscription<ScriptedHandler>(Topics.OraclePrices);
        _app = builder.Build();
        _app.MapClearingDaprSubscriptions().WithMetadata(SidecarOnly);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task the_subscribe_endpoint_declares_each_subscription_with_its_route_and_the_dead_letter_topic()
    {
        var json = await _app.GetTestClient().GetStringAsync("/dapr/subscribe");

        using var document = JsonDocument.Parse(json);
        var entries = document.RootElement.EnumerateArray().ToArray();
        entries.Length.ShouldBe(2);
        foreach (var entry in entries)
        {
            entry.GetProperty("pubsubname").GetString().ShouldBe("clearing-pubsub");
            entry.GetProperty("deadLetterTopic").GetString().ShouldBe("clearing.dlq.v1");
            entry.GetProperty("route").GetString().ShouldBe("/dapr/events/" + entry.GetProperty("topic").GetString());
        }

        entries.Select(e => e.GetProperty("topic").GetString()).ShouldBe([Topics.MarginRisk, Topics.OraclePrices]);
    }

    [Fact]
    public void a_convention_applied_to_the_mapping_reaches_every_subscription_endpoint()
    {
        var endpoints = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/dapr", StringComparison.Ordinal)
                || e.RoutePattern.RawText!.StartsWith("/dapr.proto.runtime.v1.AppCallback/", StringComparison.Ordinal))
            .ToArray();

        endpoints.Select(e => e.RoutePattern.RawText).ShouldContain("/dapr/subscribe");
        endpoints.Select(e => e.RoutePattern.RawText).ShouldContain("/dapr/events/" + Topics.MarginRisk);
        endpoints.Select(e => e.RoutePattern.RawText).ShouldContain("/dapr.proto.runtime.v1.AppCallback/OnTopicEvent");
        endpoints.ShouldAllBe(e => e.Metadata.Contains(SidecarOnly));
    }

    [Fact]
    public async Task a_cloudevent_posted_by_the_sidecar_reaches_the_handler_and_success_is_answered()
    {
        var envelope = CloudEventJson.Serialize(SampleEvents.RiskChanged());

        var status = await PostAsync("/dapr/events/" + Topics.MarginRisk, envelope);

        status.ShouldBe("SUCCESS");
        var received = Sink.Handled.ShouldHaveSingleItem();
        received.Topic.ShouldBe(Topics.MarginRisk);
        received.PubSubName.ShouldBe("clearing-pubsub");
        received.Subject.ShouldBe("account-42");
        received.CorrelationId.ShouldBe("corr-7");
        Encoding.UTF8.GetString(received.Data.Span).ShouldBe("""{"account":"account-42","marginRatio":"0.0625"}""");
    }

    [Fact]
    public async Task a_failing_handler_answers_retry_so_the_sidecar_retries_and_then_dead_letters()
    {
        var envelope = CloudEventJson.Serialize(SampleEvents.RiskChanged("evt-bad", "clearing.margin.risk-changed.fail"));

        (await PostAsync("/dapr/events/" + Topics.MarginRisk, envelope)).ShouldBe("RETRY");
    }

    [Fact]
    public async Task a_body_that_is_not_a_cloudevent_is_dropped_instead_of_retried_forever()
    {
        (await PostAsync("/dapr/events/" + Topics.MarginRisk, """{"hello":"world"}"""u8.ToArray())).ShouldBe("DROP");
        Sink.Attempts.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_grpc_app_callback_lists_the_same_subscriptions_with_the_dead_letter_topic()
    {
        var client = AppCallbackClient();

        var response = await client.ListTopicSubscriptionsAsync(new Empty());

        response.Subscriptions.Select(s => s.Topic).ShouldBe([Topics.MarginRisk, Topics.OraclePrices]);
        response.Subscriptions.ShouldAllBe(s => s.DeadLetterTopic == "clearing.dlq.v1" && s.PubsubName == "clearing-pubsub");
        response.Subscriptions[0].Routes.Default.ShouldBe("/dapr/events/" + Topics.MarginRisk);
    }

    [Fact]
    public async Task the_grpc_app_callback_delivers_an_event_with_its_cloudevent_extensions()
    {
        var client = AppCallbackClient();
        var request = new TopicEventRequest
        {
            Id = "evt-grpc",
            Source = "clearing/oracle-ingest",
            Type = "clearing.oracle.price.v1",
            SpecVersion = "1.0",
            DataContentType = "application/x-protobuf",
            Data = ByteString.CopyFrom(1, 2, 3),
            Topic = Topics.OraclePrices,
            PubsubName = "clearing-pubsub",
            Path = "/dapr/events/" + Topics.OraclePrices,
            Extensions = new Struct
            {
                Fields =
                {
                    ["subject"] = Value.ForString("BTC"),
                    ["time"] = Value.ForString("2025-03-14T15:09:26.5350000Z"),
                    ["correlationid"] = Value.ForString("corr-1"),
                    ["causationid"] = Value.ForString("report-9"),
                },
            },
        };

        var response = await client.OnTopicEventAsync(request);

        response.Status.ShouldBe(TopicEventResponse.Types.TopicEventResponseStatus.Success);
        var received = Sink.Handled.ShouldHaveSingleItem();
        received.Subject.ShouldBe("BTC");
        received.CausationId.ShouldBe("report-9");
        received.Time.ShouldBe(new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero));
        received.Data.ToArray().ShouldBe(new byte[] { 1, 2, 3 });
    }

    [Fact]
    public async Task the_grpc_app_callback_answers_retry_for_a_failing_handler()
    {
        var response = await AppCallbackClient().OnTopicEventAsync(new TopicEventRequest
        {
            Id = "evt-x",
            Source = "s",
            Type = "t.fail",
            Topic = Topics.MarginRisk,
            PubsubName = "clearing-pubsub",
        });

        response.Status.ShouldBe(TopicEventResponse.Types.TopicEventResponseStatus.Retry);
    }

    private async Task<string> PostAsync(string route, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/cloudevents+json");
        using var response = await _app.GetTestClient().PostAsync(route, content);
        response.EnsureSuccessStatusCode();
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        return status.GetProperty("status").GetString()!;
    }

    private AppCallbackTestClient AppCallbackClient()
    {
        var server = _app.GetTestServer();
        var channel = GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions { HttpHandler = server.CreateHandler() });
        return new AppCallbackTestClient(channel.CreateCallInvoker());
    }
}
