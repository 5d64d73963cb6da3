using System.Collections.Immutable;

namespace Clearing.OracleIngest.Domain;

/// <summary>The latest accepted price of one publisher.</summary>
public sealed record PublisherQuote(decimal Price, decimal Confidence, long PublishTimeUnixNanos);

/// <summary>What the oracle remembers of one publisher: the sequence to beat (price and vol reports share it) and its latest price.</summary>
public sealed record PublisherState(long LastSequence, PublisherQuote? Quote);

/// <summary>Lowest and highest candidate index in one slice of the breaker window.</summary>
public sealed record WindowBucket(long StartUnixNanos, decimal Low, decimal High);

/// <summary>The two EMAs behind a market's mark and when they were last updated.</summary>
public sealed record MarkEma(decimal BasisEma, decimal TradeBasisEma, long LastUnixNanos);

/// <summary>The latest accepted vol report of one publisher for one expiry.</summary>
public sealed record VolSubmission(string Publisher, long ExpiryUnixNanos, decimal Forward, IReadOnlyList<VolQuote> Points, long PublishTimeUnixNanos);

/// <summary>What the book looks like to the oracle when it aggregates: both sides' best prices and the last trade.</summary>
public sealed record MarketObservation(string Market, decimal? BestBid, decimal? BestAsk, decimal? LastTrade)
{
    /// <summary>The mid of a two-sided, uncrossed book; null otherwise (a one-sided or crossed book has no meaningful mid).</summary>
    public decimal? Mid => BestBid is { } bid && BestAsk is { } ask && bid < ask ? (bid + ask) / 2m : null;
}

/// <summary>
/// One asset's oracle, folded from "oracle-{asset}". Immutable; changed only by <see cref="OracleAsset.Evolve"/>.
/// Dictionaries are keyed by publisher id, market symbol and "{expiry}/{publisher}"; nothing derived from their
/// enumeration order leaves the domain unsorted, so output does not depend on string hashing.
/// </summary>
public sealed record OracleAssetState
{
    public required string Asset { get; init; }

    public ImmutableDictionary<string, PublisherState> Publishers { get; init; } = ImmutableDictionary<string, PublisherState>.Empty;

    /// <summary>Sequence of the last published index (the public PriceUpdate.sequence); 0 before the first.</summary>
    public long PriceSequence { get; init; }

    public IndexStatus? LastStatus { get; init; }

    public decimal? LastIndex { get; init; }

    /// <summary>The last index published with status OK: what a STALE update repeats.</summary>
    public decimal? LastGoodIndex { get; init; }

    /// <summary>Sorted, comma-joined publishers of the last update, to tell whether a timer aggregation changed anything.</summary>
    public string LastPublishers { get; init; } = string.Empty;

    public bool BreakerTripped { get; init; }

    public long BreakerTrippedAtUnixNanos { get; init; }

    public ImmutableList<WindowBucket> Window { get; init; } = ImmutableList<WindowBucket>.Empty;

    public ImmutableDictionary<string, MarkEma> MarkEmas { get; init; } = ImmutableDictionary<string, MarkEma>.Empty;

    public ImmutableDictionary<string, VolSubmission> VolSubmissions { get; init; } = ImmutableDictionary<string, VolSubmission>.Empty;

    /// <summary>The fitted slice of each expiry (the published surface), by expiry.</summary>
    public ImmutableSortedDictionary<long, VolSliceFitted> VolSlices { get; init; } = ImmutableSortedDictionary<long, VolSliceFitted>.Empty;

    public static OracleAssetState Initial(string asset) => new() { Asset = asset };
}
