using System.Collections.Concurrent;
using Clearing.EventSourcing;
using Clearing.OracleIngest.Domain;

namespace Clearing.OracleIngest.Application;

/// <summary>The assets this process runs an oracle for, each loaded from its stream on first use.</summary>
public sealed class OracleAssets(IReadOnlyDictionary<string, OracleParameters> parameters, IEventStore store)
{
    private readonly ConcurrentDictionary<string, AssetOracle> _oracles = new(StringComparer.Ordinal);
    private readonly Lazy<AssetOracle> _unlisted = new(() => new AssetOracle(OracleStreams.UnlistedAssets, new OracleParameters(), store));

    public IReadOnlyCollection<string> Assets => parameters.Keys.ToList();

    public bool TryGet(string asset, out AssetOracle oracle)
    {
        if (!parameters.TryGetValue(asset, out var p))
        {
            oracle = null!;
            return false;
        }

        oracle = _oracles.GetOrAdd(asset, a => new AssetOracle(a, p, store));
        return true;
    }

    /// <summary>The evidence stream of reports for assets without an oracle.</summary>
    public AssetOracle Unlisted => _unlisted.Value;

    /// <summary>
    /// An asset's oracle, or for an asset without one a writer of its stream with default rules: an operator may reset
    /// the breaker of an asset before it is configured (the reset is still evidence), but no report is aggregated there.
    /// </summary>
    public AssetOracle ForAdministration(string asset) =>
        TryGet(asset, out var oracle) ? oracle : new AssetOracle(asset, new OracleParameters(), store);
}
