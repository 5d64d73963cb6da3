using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.OracleIngest.Application;

/// <summary>
/// An operator reset an asset's price circuit breaker. Stored in "oracle-{asset}" beside the signed reports, so
/// replaying the stream gives the breaker's whole history: which reports tripped it, who reset it and why.
/// Lives in the host until the breaker in Clearing.OracleIngest.Domain folds it (same type name).
/// </summary>
[EventType("oracle.circuit-breaker-reset.v1")]
public sealed record CircuitBreakerReset(string Asset, string ResetBy, string Reason, DateTimeOffset ResetAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CircuitBreakerReset))]
internal sealed partial class OracleHostJsonContext : JsonSerializerContext;

/// <summary>Where a reset was stored.</summary>
public sealed record CircuitBreakerResetOutcome(Guid EventId, long StreamVersion);

/// <summary>Records circuit-breaker resets in the asset's oracle stream.</summary>
public sealed class CircuitBreakerResets(IEventStore store, TimeProvider time)
{
    public const string StreamCategory = "oracle";

    private static readonly EventSerializer Serializer = new(
        new EventTypeMap().Register<CircuitBreakerReset>(),
        new JsonSerializerOptions(OracleHostJsonContext.Default.Options));

    public async Task<CircuitBreakerResetOutcome> ResetAsync(string asset, string resetBy, string reason, CancellationToken cancellationToken)
    {
        var data = Serializer.Serialize(new CircuitBreakerReset(asset, resetBy, reason, time.GetUtcNow()));
        // The oracle stream is an evidence log (reports and operator actions in arrival order): no entry depends on
        // the stream's version, so Any is the honest expectation.
        var result = await store.AppendAsync(StreamName.For(StreamCategory, asset), ExpectedVersion.Any, [data], cancellationToken);
        return new CircuitBreakerResetOutcome(data.EventId, result.NextExpectedVersion);
    }
}
