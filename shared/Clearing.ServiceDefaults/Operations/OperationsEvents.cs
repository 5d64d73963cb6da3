using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.ServiceDefaults.Operations;

/// <summary>An operator rewound a projection: who, why, and from where. Stored in "ops-{service}".</summary>
[EventType("ops.projection-rebuild-started.v1")]
public sealed record ProjectionRebuildStarted(
    string Service,
    string Projection,
    long PreviousCheckpoint,
    long HeadPosition,
    string RequestedBy,
    string Reason,
    DateTimeOffset StartedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProjectionRebuildStarted))]
internal sealed partial class OperationsJsonContext : JsonSerializerContext;

public static class OperationsEvents
{
    public const string StreamCategory = "ops";

    public static EventSerializer CreateSerializer() =>
        new(new EventTypeMap().Register<ProjectionRebuildStarted>(), new JsonSerializerOptions(OperationsJsonContext.Default.Options));
}
