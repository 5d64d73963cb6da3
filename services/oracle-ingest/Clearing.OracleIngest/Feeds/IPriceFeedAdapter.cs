using Clearing.OracleIngest.Domain.Reports;

namespace Clearing.OracleIngest.Feeds;

/// <summary>A report a feed adapter pulled, and how it must be verified (unsigned feed prices or captured signed reports).</summary>
public sealed record FeedReport(PriceReport Report, ReportOrigin Origin);

/// <summary>
/// A pulled price source (an exchange's REST/WebSocket feed, or a recorded file). The adapter only fetches and shapes
/// reports; it decides nothing: every report goes through the same verification and aggregation as a pushed one, and its
/// publisher must be registered (as a feed publisher, without a key) or it is refused and recorded like any other.
/// </summary>
public interface IPriceFeedAdapter
{
    /// <summary>Name in logs and metrics.</summary>
    string Name { get; }

    /// <summary>Reports in the order the source produced them, paced as the source paces them; ends when the source does.</summary>
    IAsyncEnumerable<FeedReport> ReadAsync(CancellationToken cancellationToken);
}
