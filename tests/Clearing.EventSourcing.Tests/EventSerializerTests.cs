using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.EventSourcing;

namespace Clearing.EventSourcing.Tests;

[EventType("test.fee-charged.v1")]
public sealed record FeeChargedV1(string Account, decimal Amount);

[EventType("test.fee-charged.v2")]
public sealed record FeeChargedV2(string Account, decimal Amount, string Asset);

/// <summary>v1 fees were always in USDC; v2 names the asset. Pure: JSON in, JSON out.</summary>
public sealed class FeeChargedV1ToV2 : IEventUpcaster
{
    public string FromType => "test.fee-charged.v1";

    public string ToType => "test.fee-charged.v2";

    public JsonObject Upcast(JsonObject source)
    {
        var upcast = (JsonObject)source.DeepClone();
        upcast["asset"] = "USDC";
        return upcast;
    }
}

public sealed class EventSerializerTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void an_event_is_stored_under_its_stable_type_name_and_schema_version_not_its_class_name()
    {
        var serializer = new EventSerializer(new EventTypeMap().Register<FeeChargedV2>(), Web);

        var data = serializer.Serialize(new FeeChargedV2("a1", 1.25m, "BTC"), correlationId: Guid.Empty);

        data.Type.ShouldBe("test.fee-charged.v2");
        data.SchemaVersion.ShouldBe(2);
        JsonDocument.Parse(data.Data).RootElement.GetProperty("amount").GetDecimal().ShouldBe(1.25m);
    }

    [Fact]
    public void a_stored_v1_event_is_read_as_v2_through_its_upcaster()
    {
        var serializer = new EventSerializer(new EventTypeMap().Register<FeeChargedV1>().Register<FeeChargedV2>(), Web, [new FeeChargedV1ToV2()]);
        var stored = serializer.Serialize(new FeeChargedV1("a1", 3m));

        var read = serializer.Deserialize(stored.Type, stored.Data.Span);

        read.ShouldBe(new FeeChargedV2("a1", 3m, "USDC"));
    }

    [Fact]
    public void an_unknown_stored_type_is_a_clear_error_not_a_null()
    {
        var serializer = new EventSerializer(new EventTypeMap(), Web);

        Should.Throw<UnknownEventTypeException>(() => serializer.Deserialize("test.nobody.v1", "{}"u8))
            .Message.ShouldContain("test.nobody.v1");
    }

    [Fact]
    public void two_classes_claiming_one_type_name_are_refused_at_registration()
    {
        Should.Throw<ArgumentException>(() => new EventTypeMap().Register<FeeChargedV1>().Register<Clash>())
            .Message.ShouldContain("test.fee-charged.v1");
    }

    [Fact]
    public void a_type_name_without_a_version_suffix_is_refused()
    {
        Should.Throw<ArgumentException>(() => EventTypeName.VersionOf("test.fee-charged"));
        EventTypeName.VersionOf("margin.position-changed.v12").ShouldBe(12);
    }

    [EventType("test.fee-charged.v1")]
    private sealed record Clash(int X);
}
