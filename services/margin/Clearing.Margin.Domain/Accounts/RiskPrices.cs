using System.Collections.Immutable;
using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>An asset's oracle index as margin last saw it. <see cref="Stale"/>: the oracle said STALE or tripped its
/// circuit breaker, so the value is the last good one and must not back new risk.</summary>
public sealed record AssetPrice(decimal Index, bool Stale, long Sequence, DateTimeOffset AsOf);

/// <summary>
/// Every price a valuation reads, as one immutable input (time enters the domain as data): oracle indexes by asset,
/// marks by market, SVI surfaces by underlying. Built by the host from clearing.oracle.prices.v1.
/// </summary>
public sealed record RiskPrices
{
    public static RiskPrices Empty { get; } = new();

    public ImmutableDictionary<string, AssetPrice> Assets { get; init; } = ImmutableDictionary<string, AssetPrice>.Empty.WithComparers(StringComparer.Ordinal);

    public ImmutableDictionary<string, decimal> Marks { get; init; } = ImmutableDictionary<string, decimal>.Empty.WithComparers(StringComparer.Ordinal);

    public ImmutableDictionary<string, VolatilitySurface> Surfaces { get; init; } = ImmutableDictionary<string, VolatilitySurface>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The valuation instant (option time to expiry counts from here).</summary>
    public DateTimeOffset AsOf { get; init; }

    public RiskPrices WithIndex(string asset, decimal index, bool stale, long sequence, DateTimeOffset asOf) =>
        this with { Assets = Assets.SetItem(asset, new AssetPrice(index, stale, sequence, asOf)), AsOf = asOf > AsOf ? asOf : AsOf };

    public RiskPrices WithMark(string market, decimal mark) => this with { Marks = Marks.SetItem(market, mark) };

    public RiskPrices WithSurface(string underlying, VolatilitySurface surface) => this with { Surfaces = Surfaces.SetItem(underlying, surface) };

    /// <summary>The mark of a linear market, else its underlying's index; null when neither is known.</summary>
    public decimal? MarkOf(string market, string underlying) =>
        Marks.TryGetValue(market, out var mark) ? mark
        : Assets.TryGetValue(underlying, out var index) ? index.Index
        : null;
}
