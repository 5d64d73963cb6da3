namespace Clearing.OracleIngest.Domain.Reports;

/// <summary>
/// A price as a publisher signed it. Price and confidence stay the exact text that was signed: the signature covers
/// those characters, so "100.0" and "100" are different reports and nothing is re-formatted before verifying.
/// </summary>
/// <param name="Confidence">Half-width of the publisher's confidence interval in price units (Pyth's "conf").</param>
public sealed record PriceReport(
    string PublisherId,
    string Asset,
    string Price,
    string Confidence,
    long PublishTimeUnixNanos,
    long Sequence,
    byte[] Signature);

/// <summary>One implied volatility quote of a <see cref="VolReport"/>: strike in price units, vol as a fraction (0.55 = 55%).</summary>
public sealed record VolPoint(string Strike, string ImpliedVol);

/// <summary>Implied volatilities of one expiry as a publisher signed them (same text rule as <see cref="PriceReport"/>).</summary>
public sealed record VolReport(
    string PublisherId,
    string Asset,
    long ExpiryUnixNanos,
    string Forward,
    IReadOnlyList<VolPoint> Points,
    long PublishTimeUnixNanos,
    long Sequence,
    byte[] Signature);

/// <summary>How a report reached the service: pushed and signed over the publisher stream, or pulled by a feed adapter.</summary>
public enum ReportOrigin
{
    /// <summary>Signed by an external publisher and pushed over the gRPC stream: the signature is checked.</summary>
    PublisherStream,

    /// <summary>Pulled from an exchange feed (or a recorded file) by this service's own adapter: there is no signature to check.</summary>
    FeedAdapter,
}
