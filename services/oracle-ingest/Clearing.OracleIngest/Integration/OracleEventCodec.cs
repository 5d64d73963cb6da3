using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;
using Clearing.OracleIngest.Domain;

namespace Clearing.OracleIngest.Integration;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ReportAccepted))]
[JsonSerializable(typeof(ReportRefused))]
[JsonSerializable(typeof(VolReportAccepted))]
[JsonSerializable(typeof(VolReportRefused))]
[JsonSerializable(typeof(IndexPublished))]
[JsonSerializable(typeof(CircuitBreakerTripped))]
[JsonSerializable(typeof(CircuitBreakerCleared))]
[JsonSerializable(typeof(CircuitBreakerReset))]
[JsonSerializable(typeof(VolSliceFitted))]
[JsonSerializable(typeof(VolSliceRejected))]
internal sealed partial class OracleJsonContext : JsonSerializerContext;

/// <summary>
/// Stored form of the oracle's domain events: JSON (readable from a SQL prompt) under the stable names the domain
/// declares with [OracleEvent], never CLR names.
/// </summary>
public static class OracleEventCodec
{
    private static readonly Dictionary<Type, string> NameByType = OracleEvents.All.ToDictionary(
        t => t,
        t => t.GetCustomAttribute<OracleEventAttribute>()?.Name ?? throw new InvalidOperationException($"{t.Name} has no [OracleEvent] name."));

    private static readonly Dictionary<string, Type> TypeByName = NameByType.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static JsonSerializerOptions Options { get; } = new(OracleJsonContext.Default.Options);

    public static string NameOf(object @event) => NameByType.TryGetValue(@event.GetType(), out var name)
        ? name
        : throw new ArgumentException($"{@event.GetType().Name} is not an oracle event.", nameof(@event));

    public static EventData Encode(object @event, Guid? eventId = null)
    {
        var name = NameOf(@event);
        return new EventData(eventId ?? EventIds.Next(), name, EventTypeName.VersionOf(name), JsonSerializer.SerializeToUtf8Bytes(@event, @event.GetType(), Options));
    }

    public static bool IsOracleEvent(string typeName) => TypeByName.ContainsKey(typeName);

    public static object Decode(RecordedEvent recorded) => TypeByName.TryGetValue(recorded.Type, out var type)
        ? JsonSerializer.Deserialize(recorded.Data.Span, type, Options) ?? throw new JsonException($"{recorded.Type} at {recorded.StreamId}:{recorded.StreamVersion} is null.")
        : throw new UnknownEventTypeException($"{recorded.StreamId}:{recorded.StreamVersion} has type '{recorded.Type}', which is not an oracle event.");
}
