using Clearing.Parameters;
using Clearing.Parameters.Consuming;

namespace Clearing.OrderGateway.Integration;

/// <summary>
/// Governance → order gateway: a market whose registry set (<c>market-{symbol}</c>) in force at a command's receive
/// time says "halted" takes no new orders from that time on (cancels still pass, as in any halted market); resuming is
/// a proposal like any other change. Before a version is in force, matching's announced status alone applies. The
/// registry's price band and maker/taker fees are not applied here (matching charges fees; see the README).
/// </summary>
public sealed class GatewayParametersGateway(ParameterFeed feed)
{
    // Market symbol → its set id, so judging an order does not build the same string again each time; symbols are
    // catalog markets (MarketViews asks only for those), so this holds at most one entry per listed market.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _setIds = new(StringComparer.Ordinal);

    /// <summary>True when the market's set in force at <paramref name="receivedAt"/> halts it.</summary>
    public bool IsHalted(string market, DateTimeOffset receivedAt) =>
        feed.At(_setIds.GetOrAdd(market, ParameterSets.MarketSet), receivedAt) is { Parameters: MarketParameters { Halted: true } };
}
