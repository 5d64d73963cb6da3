namespace Clearing.Funding.Domain;

/// <summary>One price level of an L2 book side: price and total resting quantity (base units).</summary>
public readonly record struct BookLevel(decimal Price, decimal Quantity);

/// <summary>
/// The impact price of a book side: the average price at which a market order of a fixed quote notional would fill,
/// walking the levels from the best. The bid side gives the impact bid (selling the notional), the ask side the impact
/// ask (buying it). Exact decimal arithmetic; the partial last level is filled for the notional that is left.
/// </summary>
public static class ImpactPrice
{
    /// <summary>
    /// The volume-weighted fill price of <paramref name="notional"/> against <paramref name="levelsBestFirst"/>, or null
    /// when the side does not hold that much notional (a thin side has no impact price).
    /// </summary>
    public static decimal? Walk(IReadOnlyList<BookLevel> levelsBestFirst, decimal notional)
    {
        ArgumentNullException.ThrowIfNull(levelsBestFirst);
        if (notional <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(notional), notional, "impact notional must be > 0");
        }

        var remaining = notional;
        var quantity = 0m;
        for (var i = 0; i < levelsBestFirst.Count; i++)
        {
            var level = levelsBestFirst[i];
            if (level.Price <= 0 || level.Quantity <= 0)
            {
                throw new ArgumentException($"book level {i} has price {level.Price} and quantity {level.Quantity}; both must be > 0", nameof(levelsBestFirst));
            }

            var levelNotional = level.Price * level.Quantity;
            if (levelNotional >= remaining)
            {
                quantity += remaining / level.Price;
                return notional / quantity;
            }

            quantity += level.Quantity;
            remaining -= levelNotional;
        }

        return null;
    }
}
