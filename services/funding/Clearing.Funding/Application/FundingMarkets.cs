using Clearing.Funding.Domain;
using Clearing.Primitives.Markets;
using Microsoft.Extensions.Options;

namespace Clearing.Funding.Application;

/// <summary>The funded perpetuals and their parameters, resolved once at start-up (bad configuration stops the host).</summary>
public sealed class FundingMarkets
{
    public FundingMarkets(IOptions<FundingOptions> options, MarketCatalog catalog)
    {
        Options = options.Value;
        Parameters = Options.Resolve(catalog);
        Underlyings = catalog.All.Where(m => Parameters.ContainsKey(m.Symbol)).ToDictionary(m => m.Symbol, m => m.Underlying, StringComparer.Ordinal);
    }

    public FundingOptions Options { get; }

    /// <summary>Symbol → parameters, for every perpetual in the catalog.</summary>
    public IReadOnlyDictionary<string, FundingParameters> Parameters { get; }

    /// <summary>Symbol → underlying asset (the key of its oracle prices).</summary>
    public IReadOnlyDictionary<string, string> Underlyings { get; }

    public bool IsFunded(string market) => Parameters.ContainsKey(market);
}
