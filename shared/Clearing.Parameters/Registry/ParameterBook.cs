using System.Collections.Immutable;
using ParamsChanged = Clearing.Contracts.Governance.V1.ParamsChanged;

namespace Clearing.Parameters;

/// <summary>
/// The parameters of every set, as a pure fold of <c>ParamsChanged</c> messages (topic clearing.governance.params.v1)
/// or of the stored <see cref="ParametersChanged"/> events. A service keeps one in its state, applies each message
/// as it arrives (a repeat of a version it already holds is skipped, like an inbox; a gap is refused), and asks
/// <see cref="At"/> with the time of the input it is processing — never the wall clock — so a replay switches to a
/// new value at exactly the same place as the live run did.
/// </summary>
public sealed class ParameterBook
{
    private readonly ImmutableSortedDictionary<string, ParameterHistory> _sets;

    private ParameterBook(ImmutableSortedDictionary<string, ParameterHistory> sets) => _sets = sets;

    public static ParameterBook Empty { get; } = new(ImmutableSortedDictionary.Create<string, ParameterHistory>(StringComparer.Ordinal));

    public IEnumerable<string> SetIds => _sets.Keys;

    public IEnumerable<ParameterHistory> Histories => _sets.Values;

    /// <summary>The set's newest version number, -1 when the set does not exist.</summary>
    public long VersionOf(string setId) => _sets.TryGetValue(setId, out var history) ? history.Version : -1;

    public ParameterHistory? History(string setId) => _sets.GetValueOrDefault(setId);

    /// <summary>The newest value of every set (what the next proposal is validated against).</summary>
    public IReadOnlyDictionary<string, ParameterSet> Latest() => _sets.ToImmutableSortedDictionary(p => p.Key, p => p.Value.Latest.Parameters, StringComparer.Ordinal);

    /// <summary>Applies the change stored at <paramref name="version"/>; versions already held are skipped, a gap is refused.</summary>
    public ParameterBook Apply(long version, ParametersChanged change)
    {
        if (!_sets.TryGetValue(change.SetId, out var history))
        {
            return version == 0
                ? new ParameterBook(_sets.Add(change.SetId, ParameterHistory.Start(change.SetId, change)))
                : throw new ParameterSequenceException($"params-{change.SetId}: version {version} arrived before version 0");
        }

        return version <= history.Version ? this : new ParameterBook(_sets.SetItem(change.SetId, history.Apply(version, change)));
    }

    public ParameterBook Apply(ParamsChanged message) => Apply(message.Version, ParamsContract.ToDomain(message));

    /// <summary>The version of <paramref name="setId"/> in force at <paramref name="time"/>; null when none was yet.</summary>
    public ParameterVersion? At(string setId, DateTimeOffset time) => _sets.TryGetValue(setId, out var history) ? history.At(time) : null;

    public MarketParameters? Market(string market, DateTimeOffset time) => At(ParameterSets.MarketSet(market), time)?.Parameters as MarketParameters;

    public OracleParameters? Oracle(DateTimeOffset time) => At(ParameterSets.Oracle, time)?.Parameters as OracleParameters;

    public FeeSchedule? Fees(DateTimeOffset time) => At(ParameterSets.Fees, time)?.Parameters as FeeSchedule;

    public InsuranceParameters? Insurance(DateTimeOffset time) => At(ParameterSets.Insurance, time)?.Parameters as InsuranceParameters;

    public VaultParameters? Vault(DateTimeOffset time) => At(ParameterSets.Vault, time)?.Parameters as VaultParameters;
}
