using System.Text.Json;
using System.Text.Json.Nodes;

namespace Clearing.EventSourcing;

/// <summary>
/// A pure schema migration from one stored type name to the next (e.g. "x.v1" → "x.v2"). Upcasters run on read,
/// so stored bytes (and their hash chain) are never rewritten.
/// </summary>
public interface IEventUpcaster
{
    string FromType { get; }

    string ToType { get; }

    JsonObject Upcast(JsonObject source);
}

/// <summary>
/// Turns domain event records into stored bytes and back. Services pass options built on their
/// source-generated JsonSerializerContext, so nothing here reflects over types at run time.
/// </summary>
public sealed class EventSerializer
{
    private readonly EventTypeMap _types;
    private readonly JsonSerializerOptions _options;
    private readonly Dictionary<string, IEventUpcaster> _upcasters;

    public EventSerializer(EventTypeMap types, JsonSerializerOptions options, IEnumerable<IEventUpcaster>? upcasters = null)
    {
        _types = types;
        _options = options;
        _upcasters = (upcasters ?? []).ToDictionary(u => u.FromType, StringComparer.Ordinal);
    }

    public JsonSerializerOptions Options => _options;

    public EventData Serialize(object @event, Guid? correlationId = null, Guid? causationId = null, Guid? eventId = null)
    {
        var type = _types.NameOf(@event.GetType());
        var data = JsonSerializer.SerializeToUtf8Bytes(@event, @event.GetType(), _options);
        return new EventData(eventId ?? EventIds.Next(), type.Name, type.SchemaVersion, data, default, correlationId, causationId);
    }

    public object Deserialize(RecordedEvent recorded) => Deserialize(recorded.Type, recorded.Data.Span);

    public object Deserialize(string typeName, ReadOnlySpan<byte> data)
    {
        if (_upcasters.Count > 0 && _upcasters.ContainsKey(typeName))
        {
            var node = JsonNode.Parse(data)?.AsObject() ?? throw new JsonException($"Event '{typeName}' holds no JSON object.");
            while (_upcasters.TryGetValue(typeName, out var upcaster))
            {
                node = upcaster.Upcast(node);
                typeName = upcaster.ToType;
            }

            return node.Deserialize(Resolve(typeName), _options) ?? throw new JsonException($"Event '{typeName}' deserialized to null.");
        }

        return JsonSerializer.Deserialize(data, Resolve(typeName), _options) ?? throw new JsonException($"Event '{typeName}' deserialized to null.");
    }

    private Type Resolve(string typeName) =>
        _types.TryGetType(typeName, out var type)
            ? type
            : throw new UnknownEventTypeException($"Stored event type '{typeName}' is not registered and has no upcaster.");
}
