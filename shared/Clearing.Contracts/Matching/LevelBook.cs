using System.Globalization;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;

namespace Clearing.Contracts.Matching;

/// <summary>What <see cref="LevelBook.Apply"/> did with one event.</summary>
public enum LevelBookOutcome
{
    Applied,

    /// <summary>At or below the last applied sequence: a republished page, skipped.</summary>
    Repeat,

    /// <summary>Applied, but the sequence skipped ahead: orders rested in the gap are unknown until they leave.</summary>
    AppliedAfterGap,

    /// <summary>The first event this book saw is not sequence 1: orders rested before it are unknown.</summary>
    AppliedFromMidStream,
}

/// <summary>
/// The level-2 book of one market as a consumer of clearing.matching.events.v1 sees it: resting orders by id (rested
/// adds, fills set the remaining sizes, cancels and re-pricing amends remove, expiry clears), per-level totals on each
/// side, and the last trade price. One fold for every service that needs depth or the top of the book, so they agree on
/// what an event means. Matching's per-market sequence is gap-free, so an event at or below the last applied sequence
/// is a repeat and is skipped (the inbox rule with the sequence as position). Not thread-safe: one writer, or a lock.
/// </summary>
public sealed class LevelBook(string market)
{
    private static readonly Comparer<decimal> Descending = Comparer<decimal>.Create((a, b) => b.CompareTo(a));

    private readonly Dictionary<string, (Side Side, decimal Price, decimal Remaining)> _orders = new(StringComparer.Ordinal);

    public string Market { get; } = market;

    /// <summary>Price → total remaining, best (highest) first.</summary>
    public SortedDictionary<decimal, decimal> Bids { get; } = new(Descending);

    /// <summary>Price → total remaining, best (lowest) first.</summary>
    public SortedDictionary<decimal, decimal> Asks { get; } = new();

    public long LastSequence { get; private set; }

    public long Gaps { get; private set; }

    public decimal? LastTrade { get; private set; }

    public decimal? BestBid => Bids.Count > 0 ? Bids.Keys.First() : null;

    public decimal? BestAsk => Asks.Count > 0 ? Asks.Keys.First() : null;

    /// <exception cref="FormatException">The event carries a number or side that is not what the contract says.</exception>
    public LevelBookOutcome Apply(MatchingEvent e)
    {
        if (e.Sequence <= LastSequence)
        {
            return LevelBookOutcome.Repeat;
        }

        var outcome = LastSequence == 0
            ? e.Sequence == 1 ? LevelBookOutcome.Applied : LevelBookOutcome.AppliedFromMidStream
            : e.Sequence == LastSequence + 1 ? LevelBookOutcome.Applied : LevelBookOutcome.AppliedAfterGap;
        if (outcome == LevelBookOutcome.AppliedAfterGap)
        {
            Gaps++;
        }

        ApplyChange(e);
        LastSequence = e.Sequence;
        return outcome;
    }

    /// <summary>Each side best first, as far as needed to cover <paramref name="notional"/> (all of it when it does not).</summary>
    public (IReadOnlyList<(decimal Price, decimal Quantity)> Bids, IReadOnlyList<(decimal Price, decimal Quantity)> Asks) Depth(decimal notional) =>
        (Take(Bids, notional), Take(Asks, notional));

    private static List<(decimal Price, decimal Quantity)> Take(SortedDictionary<decimal, decimal> side, decimal notional)
    {
        var levels = new List<(decimal, decimal)>();
        var covered = 0m;
        foreach (var (price, quantity) in side)
        {
            levels.Add((price, quantity));
            covered += price * quantity;
            if (covered >= notional)
            {
                break;
            }
        }

        return levels;
    }

    private void ApplyChange(MatchingEvent e)
    {
        switch (e.EventCase)
        {
            case MatchingEvent.EventOneofCase.Rested:
                Remove(e.Rested.OrderId);
                Add(e.Rested.OrderId, e.Rested.Side, Parse(e.Rested.Price, "rested.price"), Parse(e.Rested.Remaining, "rested.remaining"));
                break;
            case MatchingEvent.EventOneofCase.Fill:
                LastTrade = Parse(e.Fill.Price, "fill.price");
                // The maker rests in the book; the taker only if it rested before (an amended order re-entering).
                SetRemaining(e.Fill.MakerOrderId, Parse(e.Fill.MakerRemaining, "fill.maker_remaining"));
                SetRemaining(e.Fill.TakerOrderId, Parse(e.Fill.TakerRemaining, "fill.taker_remaining"));
                break;
            case MatchingEvent.EventOneofCase.Cancelled:
                Remove(e.Cancelled.OrderId);
                break;
            case MatchingEvent.EventOneofCase.Amended when e.Amended.KeptPriority:
                // A size-down in place: same price, new remaining.
                SetRemaining(e.Amended.OrderId, Parse(e.Amended.Quantity, "amended.quantity"));
                break;
            case MatchingEvent.EventOneofCase.Amended:
                // Re-priced: the order leaves and re-enters; fills and a new Rested follow if it stays.
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
        if (side is not (Side.Buy or Side.Sell))
        {
            throw new FormatException($"{Market}: rested order {orderId} has side {side}");
        }

        if (remaining <= 0)
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
            : throw new FormatException($"{Market}: matching event field {field} '{text}' is not a decimal");
}
