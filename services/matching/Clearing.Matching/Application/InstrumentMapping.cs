using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;
using Clearing.Primitives.Markets;
using DomainRight = Clearing.Matching.Domain.Instruments.OptionRight;

namespace Clearing.Matching.Application;

/// <summary>
/// The public market catalog seen through the engine's eyes: one <see cref="InstrumentSpec"/> per market, exact or
/// refused at start-up with a message naming the market and field.
/// </summary>
public static class InstrumentMapping
{
    private const decimal Millionths = 1_000_000m;
    private const decimal BasisPoints = 10_000m;

    /// <summary>Unix nanoseconds, the engine's clock unit (order commands and price updates carry it).</summary>
    public static long UnixNanos(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static InstrumentSpec ToSpec(MarketDefinition market, MatchingOptions options) => ToSpec(market, options, null);

    /// <summary>The market's spec with one fee rate per tier of <paramref name="fees"/> (tier 0 = the catalog's own rates).</summary>
    public static InstrumentSpec ToSpec(MarketDefinition market, MatchingOptions options, FeeSchedule? fees)
    {
        void Fail(string message) => throw new ArgumentException($"market '{market.Symbol}': {message}");

        var maker = market.MakerFee * Millionths;
        var taker = market.TakerFee * Millionths;
        if (maker % 1 != 0 || taker % 1 != 0)
        {
            Fail($"MakerFee {market.MakerFee} and TakerFee {market.TakerFee} must be whole millionths of notional");
        }
        var band = market.PriceBand * BasisPoints;
        if (band % 1 != 0)
        {
            Fail($"PriceBand {market.PriceBand} must be a whole number of basis points");
        }
        var minLots = Math.Max(1m, Math.Ceiling(market.MinOrderSize / market.LotSize));
        var maxLots = Math.Floor(market.MaxOrderSize / market.LotSize);
        if (maxLots < minLots)
        {
            Fail($"MaxOrderSize {market.MaxOrderSize} is below one lot or below MinOrderSize");
        }
        if (maxLots > InstrumentSpec.MaxEngineValue)
        {
            Fail($"MaxOrderSize / LotSize = {maxLots} lots exceeds the engine limit of 2^40");
        }
        var maxTicks = Math.Min(Math.Floor(options.MaxPrice / market.TickSize), InstrumentSpec.MaxEngineValue);
        if (maxTicks < 1)
        {
            Fail($"Matching:MaxPrice {options.MaxPrice} is below one tick");
        }

        var spec = new InstrumentSpec
        {
            Symbol = market.Symbol,
            Underlying = market.Underlying,
            Kind = market.Kind switch
            {
                MarketKind.Perpetual => InstrumentKind.Perpetual,
                MarketKind.Future => InstrumentKind.DatedFuture,
                MarketKind.Option => InstrumentKind.Option,
                _ => throw new ArgumentOutOfRangeException(nameof(market), market.Kind, $"market '{market.Symbol}': unknown kind"),
            },
            TickSize = market.TickSize,
            LotSize = market.LotSize,
            MinOrderLots = decimal.ToInt64(minLots),
            MaxOrderLots = decimal.ToInt64(maxLots),
            MaxPriceTicks = decimal.ToInt64(maxTicks),
            PriceBandBps = decimal.ToInt32(band),
            ExpiresAt = market.Expiry is { } expiry ? UnixNanos(expiry) : null,
            Right = market.Right switch
            {
                null => null,
                Primitives.Markets.OptionRight.Call => DomainRight.Call,
                _ => DomainRight.Put,
            },
            Strike = market.Strike,
            FeeTiers = fees is null ? [new FeeRate(decimal.ToInt32(maker), decimal.ToInt32(taker))] : fees.RatesFor(market),
            FeeDecimals = options.FeeDecimals,
        };
        spec.Validate(feeTierCount: spec.FeeTiers.Count);
        return spec;
    }

    /// <summary>
    /// One engine per market, so a book's state depends only on its own input stream (its Kafka key, its book-{market}
    /// stream) and never on how partitions interleave; the engine sees that market at index 0.
    /// </summary>
    public static EngineConfig EngineConfigFor(InstrumentSpec spec, MatchingOptions options) => new()
    {
        Instruments = [spec],
        FeeTierCount = spec.FeeTiers.Count,
        InitialOrderCapacity = options.InitialOrdersPerMarket,
        InitialAccountCapacity = 256,
        PriceLadderSpan = 1 << 20,
    };
}
