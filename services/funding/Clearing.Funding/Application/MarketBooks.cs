using System.Collections.Concurrent;
using Clearing.Contracts.Matching;
using Clearing.Contracts.Matching.V1;
using Clearing.Funding.Domain;
using BookLevel = Clearing.Funding.Domain.BookLevel;
using Microsoft.Extensions.Logging;

namespace Clearing.Funding.Application;

/// <summary>
/// Level-2 books of the funded markets, rebuilt from clearing.matching.events.v1 with the shared
/// <see cref="LevelBook"/> fold. A repeat (a republished page) is skipped; a gap is logged and counted, and the book
/// carries on (its levels may then be off until the orders concerned leave the book).
/// </summary>
public sealed class MarketBooks(FundingMarkets markets, ILogger<MarketBooks> logger)
{
    private readonly ConcurrentDictionary<string, LevelBook> _books = new(StringComparer.Ordinal);

    public long Gaps => _books.Values.Sum(b => { lock (b) { return b.Gaps; } });

    public void Apply(MatchingEvent e)
    {
        if (!markets.IsFunded(e.Market))
        {
            return;
        }

        var book = _books.GetOrAdd(e.Market, m => new LevelBook(m));
        lock (book)
        {
            var last = book.LastSequence;
            switch (book.Apply(e))
            {
                case LevelBookOutcome.AppliedFromMidStream:
                    logger.LogWarning("{Market}: funding book starts at matching sequence {Sequence}; orders rested before it are unknown", e.Market, e.Sequence);
                    break;
                case LevelBookOutcome.AppliedAfterGap:
                    logger.LogWarning("{Market}: matching sequence jumped from {Last} to {Sequence}; the funding book may miss orders", e.Market, last, e.Sequence);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Each side best first, as far as needed to cover <paramref name="notional"/> (all of it when it does not).</summary>
    public (IReadOnlyList<BookLevel> Bids, IReadOnlyList<BookLevel> Asks) Depth(string market, decimal notional)
    {
        if (!_books.TryGetValue(market, out var book))
        {
            return ([], []);
        }

        lock (book)
        {
            var (bids, asks) = book.Depth(notional);
            return (bids.Select(l => new BookLevel(l.Price, l.Quantity)).ToList(), asks.Select(l => new BookLevel(l.Price, l.Quantity)).ToList());
        }
    }
}
