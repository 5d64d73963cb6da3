using Clearing.Funding.Domain;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Microsoft.Extensions.Logging;

namespace Clearing.Funding.Integration;

/// <summary>
/// Governance → funding: the funding cap per interval of the registry's <c>market-{symbol}</c> set in force at a tick's
/// grid time replaces the configured cap, so the first tick at or after the effective time — the one that fixes the
/// interval just ended, if it is a boundary — uses the new cap, and the fixed rate records the cap it used. The
/// registry's funding_interval_seconds is not applied: changing the interval length while an interval is open would
/// move its boundary; intervals stay as configured (Funding:Defaults:Interval, Funding:Markets:{symbol}:Interval).
/// </summary>
public sealed class FundingParametersGateway(ParameterFeed feed, ILogger<FundingParametersGateway> logger)
{
    /// <summary>The parameters of <paramref name="market"/> for the tick at <paramref name="tickUnixNanos"/>.</summary>
    public FundingParameters At(string market, long tickUnixNanos, FundingParameters configured)
    {
        var time = ParameterTime.FromUnixNanos(tickUnixNanos);
        if (feed.At(ParameterSets.MarketSet(market), time) is not { Parameters: MarketParameters governed } version)
        {
            return configured;
        }

        var parameters = Apply(governed, configured);
        if (parameters.Validate() is { Count: > 0 } problems)
        {
            logger.LogWarning("{Market}: governed funding cap of params-market-{Market} version {Version} refused ({Problems}); the configured cap applies",
                market, market, version.Version, string.Join("; ", problems));
            return configured;
        }

        return parameters;
    }

    /// <summary>The governed cap over the configured parameters. Pure.</summary>
    public static FundingParameters Apply(MarketParameters governed, FundingParameters configured) => configured with { Cap = governed.FundingCapPerInterval };
}
