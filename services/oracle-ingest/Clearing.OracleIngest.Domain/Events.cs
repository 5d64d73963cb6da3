namespace Clearing.OracleIngest.Domain;

// Stored events of stream "oracle-{asset}": the evidence log (every report, accepted or refused, with its signature
// and the reason) and every decision taken from it (index, marks, breaker, vol slices). Names are stable and never
// derived from CLR names; the host maps them to the event store (Integration/OracleEventCodec).

/// <summary>The stable stored name of an oracle event ("oracle.report-accepted.v1").</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OracleEventAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Index status as stored; the public contract's PriceStatus has the same three values.</summary>
public enum IndexStatus
{
    Ok = 1,
    Stale = 2,
    CircuitBreaker = 3,
}

/// <summary>A report passed every check. Price and confidence are the parsed values of the signed text.</summary>
/// <param name="Signature">Base64 of the Ed25519 signature (empty for a feed adapter's report), kept so anyone can re-verify.</param>
[OracleEvent("oracle.report-accepted.v1")]
public sealed record ReportAccepted(
    string Asset, string Publisher, string Origin, decimal Price, decimal Confidence,
    long PublishTimeUnixNanos, long Sequence, long ReceivedAtUnixNanos, string Signature);

/// <summary>A report failed a check. Every field is the raw text received; <paramref name="Reason"/> is a stable code.</summary>
/// <param name="Reason">"unknown-publisher", "publisher-not-for-asset", "malformed", "bad-signature", "sequence-not-increasing",
/// "future-dated", "stale", "confidence-too-wide", "unknown-asset".</param>
[OracleEvent("oracle.report-refused.v1")]
public sealed record ReportRefused(
    string Asset, string Publisher, string Origin, string Price, string Confidence,
    long PublishTimeUnixNanos, long Sequence, long ReceivedAtUnixNanos, string Signature, string Reason, string Detail);

public sealed record VolQuote(decimal Strike, decimal ImpliedVol);

[OracleEvent("oracle.vol-report-accepted.v1")]
public sealed record VolReportAccepted(
    string Asset, string Publisher, string Origin, long ExpiryUnixNanos, decimal Forward, IReadOnlyList<VolQuote> Points,
    long PublishTimeUnixNanos, long Sequence, long ReceivedAtUnixNanos, string Signature);

/// <summary>A vol report failed a check; <paramref name="Points"/> is the raw "strike:vol" text of each point.</summary>
[OracleEvent("oracle.vol-report-refused.v1")]
public sealed record VolReportRefused(
    string Asset, string Publisher, string Origin, long ExpiryUnixNanos, string Forward, IReadOnlyList<string> Points,
    long PublishTimeUnixNanos, long Sequence, long ReceivedAtUnixNanos, string Signature, string Reason, string Detail);

/// <summary>The mark of one market and the inputs whose median it is: index × (1 + basis EMA), the book mid (null when
/// the book has no two sides) and index + EMA(last trade − index).</summary>
/// <param name="BasisEma">EMA of (book mid − index) / index after this update.</param>
/// <param name="TradeBasisEma">EMA of (last trade − index) after this update.</param>
public sealed record MarkComputed(
    string Market, decimal Mark, decimal IndexBasisComponent, decimal? BookMidComponent, decimal LastTradeComponent, decimal BasisEma, decimal TradeBasisEma);

/// <summary>
/// One aggregation: what clearing.oracle.prices.v1 publishes. <paramref name="PriceSequence"/> is gap-free per asset.
/// <paramref name="IndexPrice"/> is the median of the kept reports (OK, CIRCUIT_BREAKER) or the last good index
/// (STALE; null when there never was one). <paramref name="Candidate"/> is the median actually computed this time,
/// null when too few publishers were fresh.
/// </summary>
[OracleEvent("oracle.index-published.v1")]
public sealed record IndexPublished(
    string Asset, long PriceSequence, long TimeUnixNanos, IndexStatus Status, decimal? IndexPrice, decimal? Candidate,
    IReadOnlyList<string> Publishers, int OutliersDropped, IReadOnlyList<string> OutlierPublishers,
    IReadOnlyList<MarkComputed> Marks, string Reason)
{
    /// <summary>The fitted slices of expiries still ahead: the published vol surface (empty for assets without options).</summary>
    public IReadOnlyList<VolSliceFitted> VolSurface { get; init; } = [];
}

[OracleEvent("oracle.circuit-breaker-tripped.v1")]
public sealed record CircuitBreakerTripped(
    string Asset, long TimeUnixNanos, decimal WindowLow, decimal WindowHigh, decimal Candidate, decimal Move, decimal Band, long WindowNanos);

[OracleEvent("oracle.circuit-breaker-cleared.v1")]
public sealed record CircuitBreakerCleared(string Asset, long TimeUnixNanos, string Reason);

/// <summary>An operator reset the breaker (gRPC OracleAdmin.ResetCircuitBreaker). Shape kept from the first host version.</summary>
[OracleEvent("oracle.circuit-breaker-reset.v1")]
public sealed record CircuitBreakerReset(string Asset, string ResetBy, string Reason, DateTimeOffset ResetAt);

/// <summary>An SVI slice fitted for one expiry: w(k) = a + b(ρ(k − m) + √((k − m)² + σ²)), k = ln(K/F).</summary>
/// <param name="FitError">Largest |fitted − input| implied vol over the merged input points.</param>
[OracleEvent("oracle.vol-slice-fitted.v1")]
public sealed record VolSliceFitted(
    string Asset, long ExpiryUnixNanos, long TimeUnixNanos, decimal Forward, double Years,
    double A, double B, double Rho, double M, double Sigma, double FitError, IReadOnlyList<string> Publishers);

[OracleEvent("oracle.vol-slice-rejected.v1")]
public sealed record VolSliceRejected(string Asset, long ExpiryUnixNanos, long TimeUnixNanos, string Reason, IReadOnlyList<string> Publishers);

public static class OracleEvents
{
    /// <summary>Every stored oracle event type, for the host's codec.</summary>
    public static IReadOnlyList<Type> All { get; } =
    [
        typeof(ReportAccepted), typeof(ReportRefused), typeof(VolReportAccepted), typeof(VolReportRefused),
        typeof(IndexPublished), typeof(CircuitBreakerTripped), typeof(CircuitBreakerCleared), typeof(CircuitBreakerReset),
        typeof(VolSliceFitted), typeof(VolSliceRejected),
    ];
}
