namespace Clearing.Funding.Domain;

/// <summary>
/// The premium of the perpetual over the index at one instant, as a fraction of the index (dYdX's premium vote):
/// <code>P = (max(0, impactBid − index) − max(0, index − impactAsk)) / index</code>
/// The impact BID makes the premium positive: if a seller of the impact notional would still get more than the index,
/// the perp trades rich and longs should pay. The impact ASK makes it negative: if a buyer of the impact notional pays
/// less than the index, the perp trades cheap and shorts should pay. While the index sits between the two impact prices
/// the premium is zero, so the spread itself never pays anyone. A side too thin for the impact notional has no impact
/// price and contributes zero: depth nobody can trade against must not move the rate.
/// </summary>
public static class Premium
{
    /// <summary>Premiums and rates carry 12 decimals: 10^-12 of a 10^9 notional is a thousandth of a quote unit.</summary>
    public const int Decimals = 12;

    public static decimal Sample(decimal? impactBid, decimal? impactAsk, decimal index)
    {
        if (index <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "index price must be > 0");
        }

        var rich = impactBid is { } bid ? Math.Max(0m, bid - index) : 0m;
        var cheap = impactAsk is { } ask ? Math.Max(0m, index - ask) : 0m;
        return Round((rich - cheap) / index);
    }

    /// <summary>Half-even at 12 decimals: every rounding in funding goes through here, so replays agree to the digit.</summary>
    public static decimal Round(decimal value) => decimal.Round(value, Decimals, MidpointRounding.ToEven);
}
