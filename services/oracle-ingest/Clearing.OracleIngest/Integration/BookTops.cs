using System.Collections.Concurrent;
using Clearing.Contracts.Matching;
using Clearing.Contracts.Matching.V1;
using Clearing.OracleIngest.Domain;

namespace Clearing.OracleIngest.Integration;

/// <summary>
/// Best bid, best ask and last trade of each marked market, rebuilt from clearing.matching.events.v1 with the shared
/// <see cref="LevelBook"/> fold (repeats skipped, gaps counted). The state is in memory: the consumer reads the topic
/// from its start on every process start (its own group per instance) to rebuild it.
/// </summary>
public sealed class BookTops
{
    private readonly ConcurrentDictionary<string, LevelBook> _books = new(StringComparer.Ordinal);

    /// <summary>Matching events whose sequence skipped ahead: the book may miss orders until they leave.</summary>
    public long Gaps => _books.Values.Sum(b => { lock (b) { return b.Gaps; } });

    public void Apply(MatchingEvent e)
    {
        var book = _books.GetOrAdd(e.Market, m => new LevelBook(m));
        lock (book)
        {
            book.Apply(e);
        }
    }

    /// <summary>What the oracle sees of <paramref name="markets"/> now; markets never traded are absent.</summary>
    public IReadOnlyDictionary<string, MarketObservation> Observe(IReadOnlyList<string> markets)
    {
        var result = new Dictionary<string, MarketObservation>(markets.Count, StringComparer.Ordinal);
        foreach (var market in markets)
        {
            if (_books.TryGetValue(market, out var book))
            {
                lock (book)
                {
                    result[market] = new MarketObservation(market, book.BestBid, book.BestAsk, book.LastTrade);
                }
            }
        }

        return result;
    }
}
