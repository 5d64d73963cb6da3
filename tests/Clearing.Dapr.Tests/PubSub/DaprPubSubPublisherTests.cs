using System.Text;
using System.Text.Json;
using Clearing.Contracts;
using Clearing.Dapr.PubSub;
using Clearing.Dapr.Tests.Sidecar;
using Dapr.Client;

namespace Clearing.Dapr.Tests.PubSub;

/// <summary>The pub/sub adapter against the in-test sidecar: what arrives at daprd's PublishEvent.</summary>
public sealed class DaprPubSubPublisherTests(FakeDaprSidecarFixture fixture) : IClassFixture<FakeDaprSidecarFixture>, IDisposable
{
    private readonly DaprClient _client = new DaprClientBuilder().UseGrpcEndpoint(fixture.Host.GrpcEndpoint).Build();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task publishing_reaches_the_sidecar_with_topic_pubsub_name_content_type_partition_key_and_cloudevent_attributes()
    {
        fixture.Host.Sidecar.Reset();
        var publisher = new DaprPubSubPublisher(_client, FakeDaprSidecarHost.PubSubName);

        await publisher.PublishAsync(Topics.MarginRisk, SampleEvents.RiskChanged());

        var request = fixture.Host.Sidecar.Published.ShouldHaveSingleItem();
        request.PubsubName.ShouldBe("pubsub");
        request.Topic.ShouldBe("clearing.margin.risk.v1");
        request.DataContentType.ShouldBe("application/cloudevents+json");
        request.Metadata["partitionKey"].ShouldBe("account-42");

        using var envelope = JsonDocument.Parse(request.Data.ToByteArray());
        var root = envelope.RootElement;
        root.GetProperty("specversion").GetString().ShouldBe("1.0");
        root.GetProperty("id").GetString().ShouldBe("evt-1");
        root.GetProperty("source").GetString().ShouldBe("clearing/margin");
        root.GetProperty("type").GetString().ShouldBe("clearing.margin.risk-changed.v1");
        root.GetProperty("subject").GetString().ShouldBe("account-42");
        root.GetProperty("time").GetString().ShouldBe("2025-03-14T15:09:26.5350000Z");
        root.GetProperty("datacontenttype").GetString().ShouldBe("application/json");
        root.GetProperty("correlationid").GetString().ShouldBe("corr-7");
        root.GetProperty("causationid").GetString().ShouldBe("fill-99");
        root.GetProperty("data").GetRawText().ShouldBe("""{"account":"account-42","marginRatio":"0.0625"}""");
    }

    [Fact]
    public async Task a_protobuf_payload_travels_as_data_base64_and_reads_back_byte_for_byte()
    {
        fixture.Host.Sidecar.Reset();
        var publisher = new DaprPubSubPublisher(_client, FakeDaprSidecarHost.PubSubName);
        byte[] payload = [0x0a, 0x03, 0x42, 0x54, 0x43, 0x10, 0xff, 0x01];

        await publisher.PublishAsync(Topics.OraclePrices,
            SampleEvents.RiskChanged() with { DataContentType = "application/x-protobuf", Data = payload });

        var request = fixture.Host.Sidecar.Published.ShouldHaveSingleItem();
        using var envelope = JsonDocument.Parse(request.Data.ToByteArray());
        envelope.RootElement.TryGetProperty("data", out _).ShouldBeFalse();
        envelope.RootElement.GetProperty("data_base64").GetBytesFromBase64().ShouldBe(payload);

        var received = CloudEventJson.Parse(request.Data.Span, request.Topic, request.PubsubName);
        received.Data.ToArray().ShouldBe(payload);
        received.DataContentType.ShouldBe("application/x-protobuf");
    }

    [Fact]
    public async Task a_topic_that_is_not_a_public_contract_topic_is_refused_before_reaching_the_sidecar()
    {
        fixture.Host.Sidecar.Reset();
        var publisher = new DaprPubSubPublisher(_client, FakeDaprSidecarHost.PubSubName);

        var error = await Should.ThrowAsync<ArgumentException>(
            () => publisher.PublishAsync("clearing.margin.risk.v2", SampleEvents.RiskChanged()).AsTask());

        error.Message.ShouldContain("Unknown topic 'clearing.margin.risk.v2'");
        fixture.Host.Sidecar.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task an_unknown_pubsub_component_surfaces_the_sidecar_error()
    {
        fixture.Host.Sidecar.Reset();
        var publisher = new DaprPubSubPublisher(_client, "no-such-pubsub");

        var error = await Should.ThrowAsync<Exception>(() => publisher.PublishAsync(Topics.MarginRisk, SampleEvents.RiskChanged()).AsTask());

        error.GetBaseException().Message.ShouldContain("pubsub no-such-pubsub not found");
    }

    [Fact]
    public void an_event_without_a_subject_is_refused_because_the_partition_key_would_be_lost()
    {
        var publisher = new DaprPubSubPublisher(_client, FakeDaprSidecarHost.PubSubName);

        var error = Should.Throw<ArgumentException>(
            () => publisher.PublishAsync(Topics.MarginRisk, SampleEvents.RiskChanged() with { Subject = "" }).AsTask());

        error.Message.ShouldContain("Subject is empty");
    }

    [Fact]
    public void a_text_payload_that_is_not_json_round_trips_through_the_envelope()
    {
        var text = SampleEvents.RiskChanged() with { DataContentType = "text/plain", Data = Encoding.UTF8.GetBytes("halt BTC-PERP") };

        var received = CloudEventJson.Parse(CloudEventJson.Serialize(text), Topics.MarginRisk, "pubsub");

        Encoding.UTF8.GetString(received.Data.Span).ShouldBe("halt BTC-PERP");
        received.Subject.ShouldBe("account-42");
        received.Time.ShouldBe(text.Time);
    }
}
