using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.OracleIngest.Options;
using Clearing.Parameters.Consuming;
using Clearing.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using GovernedOracle = Clearing.Parameters.OracleParameters;
using ParameterSets = Clearing.Parameters.ParameterSets;
using ParameterVersion = Clearing.Parameters.ParameterVersion;

namespace Clearing.OracleIngest.Integration;

/// <summary>
/// Governance → oracle-ingest: the registry's "oracle" set (publishers and their keys, quorum, MAD multiple k,
/// circuit-breaker band, staleness limit) in force at a decision's receive time replaces the configured values for
/// every asset; everything the registry does not govern (confidence, windows, marks, vol, per-publisher asset lists,
/// pulled feeds) stays as configured. Before a version is in force, the "OracleIngest" configuration applies.
/// <para>
/// A decision's time is the receiving clock read under the asset's lock (OracleIngestion), so the first report or
/// timer tick at or after the effective time is the first one judged by the new publisher set and rules. Decisions are
/// stored as events, and a replay folds those, so it reproduces the same prices whatever the registry says today.
/// </para>
/// </summary>
public sealed class OracleParametersGateway(ParameterFeed feed, IOptions<OracleIngestOptions> options)
{
    private readonly PublisherRegistry _configured = options.Value.BuildRegistry();
    private readonly Lock _cacheLock = new();
    private (ParameterVersion Version, PublisherRegistry Registry)? _cache;

    /// <summary>The publisher registry and <paramref name="configured"/> asset rules in force at <paramref name="unixNanos"/>.</summary>
    public (PublisherRegistry Publishers, OracleParameters Parameters) At(long unixNanos, OracleParameters configured)
    {
        if (feed.At(ParameterSets.Oracle, Nanos.ToTime(unixNanos)) is not { Parameters: GovernedOracle governed } version)
        {
            return (_configured, configured);
        }

        return (RegistryOf(version, governed), Apply(governed, configured));
    }

    /// <summary>The governed rules over an asset's configured ones. Pure.</summary>
    public static OracleParameters Apply(GovernedOracle governed, OracleParameters configured) => configured with
    {
        Quorum = governed.Quorum,
        OutlierMadMultiple = governed.MadK,
        BreakerBand = governed.CircuitBreakerBand,
        StalenessNanos = governed.MaxStalenessSeconds * Nanos.PerSecond,
    };

    /// <summary>
    /// The governed publishers (a configured asset list for the same id still restricts it; without one, any asset),
    /// plus the configured pulled feeds, which have no key for governance to hold. Pure.
    /// </summary>
    public static PublisherRegistry Registry(GovernedOracle governed, PublisherRegistry configured) => new(
        governed.Publishers.Select(p => new Publisher(
                p.Id,
                Ed25519Keys.ParsePublicKey(p.PublicKey),
                configured.TryGet(p.Id, out var known) ? known.Assets : new HashSet<string>(StringComparer.Ordinal)))
            .Concat(configured.All.Where(f => f.IsFeed && governed.Publishers.All(p => p.Id != f.Id))));

    private PublisherRegistry RegistryOf(ParameterVersion version, GovernedOracle governed)
    {
        lock (_cacheLock)
        {
            if (_cache is { } cached && ReferenceEquals(cached.Version, version))
            {
                return cached.Registry;
            }

            var registry = Registry(governed, _configured);
            _cache = (version, registry);
            return registry;
        }
    }
}
