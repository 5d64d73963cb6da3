using Clearing.Parameters;

namespace Clearing.Matching.Application;

/// <summary>
/// Where <see cref="MatchingPipeline"/> learns the governed parameters of a market (registry set <c>market-{symbol}</c>):
/// the version in force for an input stamped at a given time. Asked only for live inputs; a replay applies the stored
/// <see cref="ParamsInput"/>s and never asks.
/// </summary>
public interface IMarketGovernance
{
    /// <summary>The registry version of the market's set in force at <paramref name="time"/>; null when none (configuration applies).</summary>
    ParameterVersion? At(string market, DateTimeOffset time);

    /// <summary>Told once per version a book applied (or partly refused), after it was applied; for logging.</summary>
    void Applied(string market, ParamsInput input);
}
