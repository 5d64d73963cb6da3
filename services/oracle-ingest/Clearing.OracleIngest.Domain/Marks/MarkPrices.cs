namespace Clearing.OracleIngest.Domain;

/// <summary>
/// Mark price of each perpetual/future: the median of
/// (1) index × (1 + EMA of the book's basis (mid − index) / index) — the funding basis, what funding charges for;
/// (2) the book mid;
/// (3) index + EMA of (last trade − index).
/// Hyperliquid's mark is the same idea (REFERENCE.md § Mark price). Only (2) reacts at once to the book, and the median
/// of three needs two inputs to move, so a thin or spoofed book cannot move the mark alone: (1) follows it only at the
/// EMA's pace and both EMA samples are clamped to ± <see cref="OracleParameters.MaxMarkBasis"/> of the index.
/// </summary>
public static class MarkPrices
{
    /// <summary>EMA values keep this many decimals: enough for a basis in parts per trillion, and replay-stable.</summary>
    private const int EmaDecimals = 12;

    public static IReadOnlyList<MarkComputed> Compute(
        OracleAssetState state, OracleParameters parameters, IReadOnlyDictionary<string, MarketObservation> markets, decimal index, long now)
    {
        if (parameters.MarkMarkets.Count == 0)
        {
            return [];
        }

        var marks = new List<MarkComputed>(parameters.MarkMarkets.Count);
        foreach (var market in parameters.MarkMarkets)
        {
            markets.TryGetValue(market, out var observation);
            var previous = state.MarkEmas.TryGetValue(market, out var ema) ? ema : new MarkEma(0m, 0m, now);
            decimal dt = Math.Max(0, now - previous.LastUnixNanos);
            // Δt / (τ + Δt): the weight one sample gets after Δt, exact in decimal (1 − e^(−Δt/τ) would need a float).
            var alpha = dt / (parameters.MarkEmaTauNanos + dt);
            var mid = observation?.Mid;
            var basisEma = previous.BasisEma;
            if (mid is { } m)
            {
                var sample = Clamp((m - index) / index, parameters.MaxMarkBasis);
                basisEma = Math.Round(basisEma + alpha * (sample - basisEma), EmaDecimals, MidpointRounding.ToEven);
            }

            var tradeEma = previous.TradeBasisEma;
            if (observation?.LastTrade is { } trade)
            {
                var sample = Clamp((trade - index) / index, parameters.MaxMarkBasis) * index;
                tradeEma = Math.Round(tradeEma + alpha * (sample - tradeEma), EmaDecimals, MidpointRounding.ToEven);
            }

            var indexBasis = Round(index * (1m + basisEma), parameters);
            var lastTradeBasis = Round(index + tradeEma, parameters);
            var mark = mid is { } bookMid
                ? MedianOfThree(indexBasis, Round(bookMid, parameters), lastTradeBasis)
                : Round((indexBasis + lastTradeBasis) / 2m, parameters);
            marks.Add(new MarkComputed(market, mark, indexBasis, mid is { } shown ? Round(shown, parameters) : null, lastTradeBasis, basisEma, tradeEma));
        }

        return marks;
    }

    private static decimal Clamp(decimal value, decimal limit) => Math.Clamp(value, -limit, limit);

    private static decimal Round(decimal value, OracleParameters parameters) => Math.Round(value, parameters.PriceDecimals, MidpointRounding.ToEven);

    private static decimal MedianOfThree(decimal a, decimal b, decimal c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
