using System.Collections.Concurrent;
using System.Globalization;
using Clearing.Contracts.Oracle.V1;

namespace Clearing.Funding.Application;

/// <summary>The latest usable oracle index of an asset and the marks of its markets.</summary>
public sealed record IndexQuote(long Sequence, long TimeUnixNanos, PriceStatus Status, decimal IndexPrice, IReadOnlyDictionary<string, decimal> Marks);

/// <summary>
/// Latest oracle price per asset, from clearing.oracle.prices.v1. Sequences are gap-free per asset; an update at or
/// below the last one kept is a repeat or late, and is ignored, so the quote never goes back in time.
/// </summary>
public sealed class IndexPrices
{
    private readonly ConcurrentDictionary<string, IndexQuote> _latest = new(StringComparer.Ordinal);

    public void Apply(PriceUpdate update)
    {
        var quote = new IndexQuote(
            update.Sequence,
            update.TimeUnixNanos,
            update.Status,
            ParseOrZero(update.IndexPrice, "index_price"),
            update.Marks.Where(m => m.MarkPrice_.Length > 0).ToDictionary(m => m.Market, m => ParseOrZero(m.MarkPrice_, $"marks[{m.Market}].mark_price"), StringComparer.Ordinal));
        _latest.AddOrUpdate(update.Asset, quote, (_, existing) => update.Sequence > existing.Sequence ? quote : existing);
    }

    /// <summary>
    /// The index of <paramref name="asset"/> if it may be sampled at <paramref name="nowUnixNanos"/>: status OK, positive,
    /// and no older than <paramref name="maxAge"/>. A stale or circuit-broken index is not a price to pay funding on.
    /// </summary>
    public IndexQuote? Usable(string asset, long nowUnixNanos, TimeSpan maxAge) =>
        _latest.TryGetValue(asset, out var quote)
        && quote.Status == PriceStatus.Ok
        && quote.IndexPrice > 0
        && nowUnixNanos - quote.TimeUnixNanos <= maxAge.Ticks * 100
            ? quote
            : null;

    private static decimal ParseOrZero(string text, string field)
    {
        if (text.Length == 0)
        {
            return 0m;
        }

        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"oracle price field {field} '{text}' is not a plain decimal");
    }
}
