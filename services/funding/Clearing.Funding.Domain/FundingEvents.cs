namespace Clearing.Funding.Domain;

/// <summary>
/// One premium sample, the evidence a rate is made from. Times are Unix nanoseconds. ImpactBid/ImpactAsk are null when
/// that side of the book was too thin for the impact notional (the side then contributes zero).
/// </summary>
public sealed record PremiumSampled(
    string Market,
    long SampledAtUnixNanos,
    long IntervalStartUnixNanos,
    decimal IndexPrice,
    decimal? MarkPrice,
    decimal? ImpactBid,
    decimal? ImpactAsk,
    decimal Premium);

/// <summary>
/// The rate of one interval, fixed at its end from the samples taken in it. <see cref="Sequence"/> counts the market's
/// fixed rates from 1 without gaps, so a consumer that sees a gap knows it missed a payment. Index and mark are the last
/// sampled values of the interval, for consumers that need a reference price; the parameters used are recorded so
/// the history explains itself after a configuration change.
/// </summary>
public sealed record FundingRateFixed(
    string Market,
    long Sequence,
    long IntervalStartUnixNanos,
    long IntervalEndUnixNanos,
    int Samples,
    decimal PremiumAverage,
    decimal InterestComponent,
    decimal UncappedRate,
    decimal Rate,
    bool Capped,
    decimal Cap,
    decimal InterestRate,
    decimal IndexPrice,
    decimal? MarkPrice);
