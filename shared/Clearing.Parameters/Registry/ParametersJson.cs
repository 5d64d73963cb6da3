using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.Parameters;

/// <summary>
/// The stored form of <see cref="ParametersChanged"/> (camelCase, enums as strings): the same JSON the governance
/// service stores in its <c>params-{set}</c> streams, so a service's local copy reads like the registry itself.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ParametersChanged))]
[JsonSerializable(typeof(ParameterSet))]
public sealed partial class ParametersJsonContext : JsonSerializerContext;

public static class ParametersJson
{
    /// <summary>Serializes the one stored event of a <c>params-{set}</c> stream.</summary>
    public static EventSerializer Serializer { get; } = new(new EventTypeMap().Register<ParametersChanged>(), new JsonSerializerOptions(ParametersJsonContext.Default.Options));
}
