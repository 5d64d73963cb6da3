using System.Collections.Concurrent;
using System.Globalization;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.OracleIngest.Domain;

namespace Clearing.OracleIngest.Integration;

/// <summary>
/// Best bid, best ask and last trade of each marked market, rebuilt from clearing.matching.events.v1: resting orders by
/// id (OrderRested adds, fills set the remaining sizes, cancels and re-pricing amends remove), per-level totals on each
/// side, and the price of the latest fill. Matching's per-market sequence is gap-free, so anything at or below the last
/// applied sequence is a repeat and is skipped (the inbox rule with the sequence as position). The state is in memory:
/// the consumer reads the topic from its start on every process start (its own group per instance) to rebuild it.
/// </summary>
public sealed class BookTops
{
    private readonly ConcurrentDictionary<string, Book> _books = new(StringComparer.Ordinal);

    /// <summary>Matching events whose sequence skipped ahead: the book may miss orders until they leave.</summary>
    public long Gaps => _books.Values.Sum(b => Interlocked.Read(ref b.Gaps));

    public void Apply(MatchingEvent e)
    {
        var book = _books.GetOrAdd(e.Market, _ => new Book());
        lock (book)
        {
            if (e.Sequence <= book.LastSequence)
            {
                return;
            }

            if (book.LastSequence != 0 && e.Sequence != book.LastSequence + 1)
            {
                Interlocked.Increment(ref book.Gaps);
            }

            book.Apply(e);
            book.LastSequence = e.Sequence;
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
                    result[market] = new MarketObservation(
                        market,
                        book.Bids.Count > 0 ? book.Bids.Keys.First() : null,
                        book.Asks.Count > 0 ? book.Asks.Keys.First() : null,
                        book.LastTrade);
                }
            }
        }

        return result;
    }

    private sealed class Book
    {
        public long Gaps;

        private readonly Dictionary<string, (Side Side, decimal Price, decimal Remaining)> _orders = new(StringComparer.Ordinal);

        public SortedDictionary<decimal, decimal> Bids { get; } = new(Comparer<decimal>.Create((a, b) => b.CompareTo(a)));

        public SortedDictionary<decimal, decimal> Asks { get; } = new();

        public long LastSequence { get; set; }

        public decimal? LastTrade { get; private set; }

        public void Apply(MatchingEvent e)
        {
            switch (e.EventCase)
            {
                case MatchingEvent.EventOneofCase.Rested:
                    Remove(e.Rested.OrderId);
                    Add(e.Rested.OrderId, e.Rested.Side, Parse(e.Rested.Price), Parse(e.Rested.Remaining));
                    break;
                case MatchingEvent.EventOneofCase.Fill:
                    LastTrade = Parse(e.Fill.Price);
                    SetRemaining(e.Fill.MakerOrderId, Parse(e.Fill.MakerRemaining));
                    SetRemaining(e.Fill.TakerOrderId, Parse(e.Fill.TakerRemaining));
                    break;
                case MatchingEvent.EventOneofCase.Cancelled:
                    Remove(e.Cancelled.OrderId);
                    break;
                case MatchingEvent.EventOneofCase.Amended when e.Amended.KeptPriority:
                    SetRemaining(e.Amended.OrderId, Parse(e.Amended.Quantity));
                    break;
                case MatchingEvent.EventOneofCase.Amended:
                    // Re-priced: the order leaves and re-enters; a new OrderRested follows if it rests.
                    Remove(e.Amended.OrderId);
                    break;
                case MatchingEvent.EventOneofCase.StatusChanged when e.StatusChanged.Status == "expired":
                    _orders.Clear();
                    Bids.Clear();
                    Asks.Clear();
                    break;
                default:
                    break;
            }
        }

        private void Add(string orderId, Side side, decimal price, decimal remaining)
        {
            if (remaining <= 0 || side is not (Side.Buy or Side.Sell))
            {
                return;
            }

            _orders[orderId] = (side, price, remaining);
            var levels = side == Side.Buy ? Bids : Asks;
            levels[price] = levels.GetValueOrDefault(price) + remaining;
        }

        private void SetRemaining(string orderId, decimal remaining)
        {
            if (!_orders.TryGetValue(orderId, out var order))
            {
                return;
            }

            Remove(orderId);
            Add(orderId, order.Side, order.Price, remaining);
        }

        private void Remove(string orderId)
        {
            if (!_orders.Remove(orderId, out var order))
            {
                return;
            }

            var levels = order.Side == Side.Buy ? Bids : Asks;
            var left = levels.GetValueOrDefault(order.Price) - order.Remaining;
            if (left <= 0)
            {
                levels.Remove(order.Price);
            }
            else
            {
                levels[order.Price] = left;
            }
        }

        private static decimal Parse(string text) =>
            decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new FormatException($"matching event carries '{text}' where a decimal was expected");
    }
}
