using Clearing.OracleIngest.Domain;

namespace Clearing.OracleIngest.Application;

/// <summary>Where a reset was stored.</summary>
public sealed record CircuitBreakerResetOutcome(Guid EventId, long StreamVersion);

/// <summary>
/// Operator resets of an asset's price circuit breaker. The reset is an event in "oracle-{asset}" beside the signed
/// reports (appended with the asset's expected version), so replaying the stream gives the breaker's whole history:
/// which reports tripped it, who reset it and why. The next aggregation publishes the index as OK again.
/// </summary>
public sealed class CircuitBreakerResets(OracleAssets assets, TimeProvider time)
{
    public async Task<CircuitBreakerResetOutcome> ResetAsync(string asset, string resetBy, string reason, CancellationToken cancellationToken)
    {
        var decided = await assets.ForAdministration(asset).DecideAsync(
            state => OracleAsset.ResetBreaker(state, resetBy, reason, time.GetUtcNow()),
            cancellationToken);
        return new CircuitBreakerResetOutcome(decided.EventIds[^1], decided.StreamVersion);
    }
}
