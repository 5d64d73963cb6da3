using System.Collections.Concurrent;
using System.Globalization;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Funding.Domain;
using BookLevel = Clearing.Funding.Domain.BookLevel;
using Microsoft.Extensions.Logging;

namespace Clearing.Funding.Application;

/// <summary>
/// Level-2 books of the funded markets, rebuilt from clearing.matching.events.v1. Only what funding needs: resting
/// orders by id (side, price, remaining) and the per-level totals. Matching's per-market sequence is gap-free, so an
/// event at or below the last applied sequence is a repeat (a republished page) and is skipped; a gap is logged and
/// counted, and the book carries on (its levels may then be off until the orders concerned leave the book).
/// </summary>
public sealed class MarketBooks(FundingMarkets markets, ILogger<MarketBooks> logger)
{
    private readonly ConcurrentDictionary<string, L2Book> _books = new(StringComparer.Ordinal);

    public long Gaps => _books.Values.Sum(b => b.Gaps);

    public void Apply(MatchingEvent e)
    {
        if (!markets.IsFunded(e.Market))
        {
            return;
        }

        var book = _books.GetOrAdd(e.Market, m => new L2Book(m));
        lock (book)
        {
            if (e.Sequence <= book.LastSequence)
            {
                return;
            }

            if (book.LastSequence == 0 && e.Sequence != 1)
            {
                logger.LogWarning("{Market}: funding book starts at matching sequence {Sequence}; orders rested before it are unknown", e.Market, e.Sequence);
            }
            else if (book.LastSequence != 0 && e.Sequence != book.LastSequence + 1)
            {
                book.Gaps++;
                logger.LogWarning("{Market}: matching sequence jumped from {Last} to {Sequence}; the funding book may miss orders", e.Market, book.LastSequence, e.Sequence);
            }

            book.Apply(e);
            book.LastSequence = e.Sequence;
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
            return (Take(book.Bids, notional), Take(book.Asks, notional));
        }
    }

    private static List<BookLevel> Take(SortedDictionary<decimal, decimal> side, decimal notional)
    {
        var levels = new List<BookLevel>();
        var covered = 0m;
        foreach (var (price, quantity) in side)
        {
            levels.Add(new BookLevel(price, quantity));
            covered += price * quantity;
            if (covered >= notional)
            {
                break;
            }
        }

        return levels;
    }

    private sealed class L2Book(string market)
    {
        private readonly Dictionary<string, (Side Side, decimal Price, decimal Remaining)> _orders = new(StringComparer.Ordinal);

        public SortedDictionary<decimal, decimal> Bids { get; } = new(Comparer<decimal>.Create((a, b) => b.CompareTo(a)));

        public SortedDictionary<decimal, decimal> Asks { get; } = new();

        public long LastSequence { get; set; }

        public long Gaps { get; set; }

        public void Apply(MatchingEvent e)
        {
            switch (e.EventCase)
            {
                case MatchingEvent.EventOneofCase.Rested:
                    Remove(e.Rested.OrderId);
                    Add(e.Rested.OrderId, e.Rested.Side, Parse(e.Rested.Price, "rested.price"), Parse(e.Rested.Remaining, "rested.remaining"));
                    break;
                case MatchingEvent.EventOneofCase.Fill:
                    // The maker rests in the book; the taker only if it rested before (an amended order re-entering).
                    SetRemaining(e.Fill.MakerOrderId, Parse(e.Fill.MakerRemaining, "fill.maker_remaining"));
                    SetRemaining(e.Fill.TakerOrderId, Parse(e.Fill.TakerRemaining, "fill.taker_remaining"));
                    break;
                case MatchingEvent.EventOneofCase.Cancelled:
                    Remove(e.Cancelled.OrderId);
                    break;
                case MatchingEvent.EventOneofCase.Amended:
                    if (e.Amended.KeptPriority)
                    {
                        // A size-down in place: same price, new remaining.
                        SetRemaining(e.Amended.OrderId, Parse(e.Amended.Quantity, "amended.quantity"));
                    }
                    else
                    {
                        // The order leaves the book and re-enters: fills and a new Rested follow if it stays.
                        Remove(e.Amended.OrderId);
                    }

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
            if (remaining <= 0)
            {
                return;
            }

            if (side is not (Side.Buy or Side.Sell))
            {
                throw new FormatException($"{market}: rested order {orderId} has side {side}");
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
            if (left > 0)
            {
                levels[order.Price] = left;
            }
            else
            {
                levels.Remove(order.Price);
            }
        }

        private decimal Parse(string text, string field) =>
            decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new FormatException($"{market}: matching event field {field} '{text}' is not a decimal");
    }
}
