using System.ComponentModel.DataAnnotations;
using Clearing.Funding.Domain;
using Clearing.Primitives.Markets;

namespace Clearing.Funding.Application;

/// <summary>
/// Section "Funding". Every perpetual in the market catalog is funded with <see cref="Defaults"/>, overridden field by
/// field under <c>Funding:Markets:{symbol}</c>. Unset fields fall back to the domain defaults (FundingParameters, whose
/// README gives the venue each comes from). Times are TimeSpans ("01:00:00"), rates fractions per interval.
/// </summary>
public sealed class FundingOptions
{
    public const string SectionName = "Funding";

    public FundingMarketOptions Defaults { get; set; } = new();

    public Dictionary<string, FundingMarketOptions> Markets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// An index older than this at a sample tick is not used (no sample is taken). 30 s: the oracle republishes on a
    /// timer well inside it, and six missed 5 s samples are already a sign something upstream is wrong.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "{0} must be between 1 s and 1 h")]
    public TimeSpan MaxIndexAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The funding parameters of every perpetual in <paramref name="catalog"/>. Throws naming the configuration key of
    /// every problem: an override for an unknown or non-perpetual market, or parameters the domain refuses.
    /// </summary>
    public IReadOnlyDictionary<string, FundingParameters> Resolve(MarketCatalog catalog)
    {
        var problems = new List<string>();
        foreach (var symbol in Markets.Keys)
        {
            if (!catalog.TryGet(symbol, out var market))
            {
                problems.Add($"{SectionName}:Markets:{symbol} names a market that is not in the catalog");
            }
            else if (market.Kind != MarketKind.Perpetual)
            {
                problems.Add($"{SectionName}:Markets:{symbol} is a {market.Kind}; only perpetuals pay funding");
            }
        }

        var resolved = new SortedDictionary<string, FundingParameters>(StringComparer.Ordinal);
        foreach (var market in catalog.All.Where(m => m.Kind == MarketKind.Perpetual))
        {
            var parameters = Defaults.ApplyTo(FundingParameters.Default);
            var key = $"{SectionName}:Defaults";
            if (Markets.TryGetValue(market.Symbol, out var overrides))
            {
                parameters = overrides.ApplyTo(parameters);
                key = $"{SectionName}:Markets:{market.Symbol}";
            }

            problems.AddRange(parameters.Validate().Select(p => $"{key}: {p}"));
            resolved[market.Symbol] = parameters;
        }

        return problems.Count == 0
            ? resolved
            : throw new InvalidOperationException("invalid funding configuration: " + string.Join("; ", problems));
    }
}

/// <summary>Overrides for one market (or the defaults); null keeps the value underneath.</summary>
public sealed class FundingMarketOptions
{
    public TimeSpan? Interval { get; set; }

    public TimeSpan? SamplePeriod { get; set; }

    public decimal? Cap { get; set; }

    public decimal? ImpactNotional { get; set; }

    public decimal? InterestRate { get; set; }

    public decimal? InterestBand { get; set; }

    public FundingParameters ApplyTo(FundingParameters parameters) => parameters with
    {
        Interval = Interval ?? parameters.Interval,
        SamplePeriod = SamplePeriod ?? parameters.SamplePeriod,
        Cap = Cap ?? parameters.Cap,
        ImpactNotional = ImpactNotional ?? parameters.ImpactNotional,
        InterestRate = InterestRate ?? parameters.InterestRate,
        InterestBand = InterestBand ?? parameters.InterestBand,
    };
}
