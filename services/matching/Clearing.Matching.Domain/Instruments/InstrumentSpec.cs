using System.Numerics;

namespace Clearing.Matching.Domain.Instruments;

public enum InstrumentKind : byte
{
    Perpetual = 0,
    DatedFuture = 1,
    Option = 2,
}

public enum OptionRight : byte
{
    Call = 0,
    Put = 1,
}

/// <summary>Fee rates in millionths of notional (100 = 1 basis point); a negative maker rate is a rebate.</summary>
public readonly record struct FeeRate(int MakerMillionths, int TakerMillionths);

/// <summary>
/// One tradable instrument as configured. Prices become ticks and quantities lots at the engine boundary
/// (<see cref="InstrumentSpec.TryPriceToTicks"/>, <see cref="InstrumentSpec.TryQuantityToLots"/>), exactly or not at all.
/// </summary>
public sealed record InstrumentSpec
{
    /// <summary>Upper bound for every price in ticks and every size in lots, so fee and exposure arithmetic cannot overflow.</summary>
    public const long MaxEngineValue = 1L << 40;

    /// <summary>Unit every lot size must be a whole multiple of: market-maker protection adds sizes across the instruments of an underlying in it.</summary>
    public const long NanoUnitsPerUnit = 1_000_000_000;

    public required string Symbol { get; init; }
    public InstrumentKind Kind { get; init; } = InstrumentKind.Perpetual;
    /// <summary>Underlying asset; market-maker protection groups instruments by it.</summary>
    public required string Underlying { get; init; }
    public required decimal TickSize { get; init; }
    public required decimal LotSize { get; init; }
    public long MinOrderLots { get; init; } = 1;
    public long MaxOrderLots { get; init; } = 100_000_000;
    public long MaxPriceTicks { get; init; } = 1_000_000_000;
    /// <summary>Limit prices must lie within this many basis points of the last mark price; 0 disables the band.</summary>
    public int PriceBandBps { get; init; }
    public MarketStatus InitialStatus { get; init; } = MarketStatus.Open;
    /// <summary>Engine time at which a dated future or option expires; null for perpetuals.</summary>
    public long? ExpiresAt { get; init; }
    public OptionRight? Right { get; init; }
    public decimal? Strike { get; init; }
    /// <summary>One rate for every account tier, or one per tier (<see cref="EngineConfig.FeeTierCount"/>).</summary>
    public IReadOnlyList<FeeRate> FeeTiers { get; init; } = [new FeeRate(0, 0)];
    /// <summary>Fee amounts are integers in 10^-FeeDecimals of the quote currency.</summary>
    public int FeeDecimals { get; init; } = 8;

    public static InstrumentSpec Perpetual(string symbol, string underlying, decimal tickSize, decimal lotSize) =>
        new() { Symbol = symbol, Underlying = underlying, TickSize = tickSize, LotSize = lotSize };

    public static InstrumentSpec DatedFuture(string symbol, string underlying, decimal tickSize, decimal lotSize, long expiresAt) =>
        new() { Symbol = symbol, Kind = InstrumentKind.DatedFuture, Underlying = underlying, TickSize = tickSize, LotSize = lotSize, ExpiresAt = expiresAt };

    public static InstrumentSpec OptionSeries(string symbol, string underlying, OptionRight right, decimal strike, long expiresAt,
        decimal tickSize, decimal lotSize) =>
        new()
        {
            Symbol = symbol, Kind = InstrumentKind.Option, Underlying = underlying, Right = right, Strike = strike,
            ExpiresAt = expiresAt, TickSize = tickSize, LotSize = lotSize,
        };

    /// <summary>Exact decimal → ticks. Fails on non-positive, off-tick or out-of-range prices.</summary>
    public RejectReason TryPriceToTicks(decimal price, out long ticks)
    {
        ticks = 0;
        if (price <= 0)
        {
            return RejectReason.NonPositivePrice;
        }
        if (price % TickSize != 0)
        {
            return RejectReason.OffTick;
        }
        var count = price / TickSize;
        if (count > MaxPriceTicks)
        {
            return RejectReason.PriceOutOfRange;
        }
        ticks = decimal.ToInt64(count);
        return RejectReason.None;
    }

    /// <summary>Exact decimal → lots. Fails on non-positive, off-lot or oversized quantities.</summary>
    public RejectReason TryQuantityToLots(decimal quantity, out long lots)
    {
        lots = 0;
        if (quantity <= 0)
        {
            return RejectReason.NonPositiveQuantity;
        }
        if (quantity % LotSize != 0)
        {
            return RejectReason.OffLot;
        }
        var count = quantity / LotSize;
        if (count > MaxOrderLots)
        {
            return RejectReason.AboveMaxSize;
        }
        lots = decimal.ToInt64(count);
        return RejectReason.None;
    }

    public decimal TicksToPrice(long ticks) => ticks * TickSize;

    public decimal LotsToQuantity(long lots) => lots * LotSize;

    public FeeRate FeeFor(int tier) => FeeTiers.Count == 1 ? FeeTiers[0] : FeeTiers[tier];

    /// <summary>Lot size in nano-units of the underlying (exact; validated).</summary>
    public long LotNanoUnits => decimal.ToInt64(LotSize * NanoUnitsPerUnit);

    /// <summary>Throws with a message naming the field when the instrument cannot be traded exactly.</summary>
    public void Validate(int feeTierCount)
    {
        void Fail(string message) => throw new ArgumentException($"instrument '{Symbol}': {message}");

        if (string.IsNullOrWhiteSpace(Symbol))
        {
            throw new ArgumentException("instrument symbol is empty");
        }
        if (string.IsNullOrWhiteSpace(Underlying))
        {
            Fail("Underlying is empty");
        }
        if (TickSize <= 0)
        {
            Fail($"TickSize must be positive, got {TickSize}");
        }
        if (LotSize <= 0)
        {
            Fail($"LotSize must be positive, got {LotSize}");
        }
        if (LotSize * NanoUnitsPerUnit % 1 != 0)
        {
            Fail($"LotSize {LotSize} must be a whole multiple of 0.000000001");
        }
        if (MinOrderLots < 1 || MaxOrderLots < MinOrderLots || MaxOrderLots > MaxEngineValue)
        {
            Fail($"order size limits must satisfy 1 ≤ MinOrderLots ≤ MaxOrderLots ≤ 2^40, got {MinOrderLots}..{MaxOrderLots}");
        }
        if (MaxPriceTicks < 1 || MaxPriceTicks > MaxEngineValue)
        {
            Fail($"MaxPriceTicks must be in 1..2^40, got {MaxPriceTicks}");
        }
        if (PriceBandBps is < 0 or > 1_000_000)
        {
            Fail($"PriceBandBps must be in 0..1000000, got {PriceBandBps}");
        }
        if (InitialStatus == MarketStatus.Expired)
        {
            Fail("InitialStatus cannot be expired");
        }
        if (Kind == InstrumentKind.Perpetual && ExpiresAt is not null)
        {
            Fail("a perpetual has no expiry");
        }
        if (Kind != InstrumentKind.Perpetual && ExpiresAt is null)
        {
            Fail($"a {Kind} needs ExpiresAt");
        }
        if (Kind == InstrumentKind.Option && (Right is null || Strike is null || Strike <= 0))
        {
            Fail("an option series needs Right and a positive Strike");
        }
        if (Kind != InstrumentKind.Option && (Right is not null || Strike is not null))
        {
            Fail("only option series have Right and Strike");
        }
        if (FeeDecimals is < 0 or > 18)
        {
            Fail($"FeeDecimals must be in 0..18, got {FeeDecimals}");
        }
        if (FeeTiers.Count != 1 && FeeTiers.Count != feeTierCount)
        {
            Fail($"FeeTiers needs 1 or {feeTierCount} entries, got {FeeTiers.Count}");
        }
        var maxRate = 0L;
        foreach (var rate in FeeTiers)
        {
            if (Math.Abs((long)rate.MakerMillionths) > 1_000_000 || Math.Abs((long)rate.TakerMillionths) > 1_000_000)
            {
                Fail("fee rates must lie within ±100% (±1000000 millionths)");
            }
            maxRate = Math.Max(maxRate, Math.Max(Math.Abs((long)rate.MakerMillionths), Math.Abs((long)rate.TakerMillionths)));
        }
        var scale = FeeScale.For(this);
        var worstNumerator = new BigInteger(MaxPriceTicks) * MaxOrderLots * maxRate * scale.Numerator;
        if (worstNumerator >= BigInteger.Pow(2, 126) || worstNumerator / scale.Denominator >= long.MaxValue / 2)
        {
            Fail("MaxPriceTicks × MaxOrderLots × fee rate does not fit the engine's fee arithmetic; lower the limits or FeeDecimals");
        }
        if (new BigInteger(MaxOrderLots) * LotNanoUnits >= long.MaxValue / 4)
        {
            Fail("MaxOrderLots × LotSize is too large for market-maker protection arithmetic");
        }
    }
}

/// <summary>
/// fee = ceiling(priceTicks × lots × rate × Numerator / Denominator), where Numerator/Denominator =
/// TickSize × LotSize × 10^FeeDecimals / 10^6. Rounding is toward +∞ — in the venue's favour on both sides: a
/// charged fee rounds up, a rebate (negative) rounds toward zero.
/// </summary>
public readonly record struct FeeScale(long Numerator, long Denominator)
{
    public static FeeScale For(InstrumentSpec spec)
    {
        var (tickMantissa, tickScale) = Decompose(spec.TickSize);
        var (lotMantissa, lotScale) = Decompose(spec.LotSize);
        var exponent = spec.FeeDecimals - tickScale - lotScale - 6;
        var numerator = new BigInteger(tickMantissa) * lotMantissa;
        var denominator = BigInteger.One;
        if (exponent >= 0)
        {
            numerator *= BigInteger.Pow(10, exponent);
        }
        else
        {
            denominator = BigInteger.Pow(10, -exponent);
        }
        var gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        numerator /= gcd;
        denominator /= gcd;
        if (numerator > (1L << 26) || denominator > long.MaxValue)
        {
            throw new ArgumentException($"instrument '{spec.Symbol}': TickSize × LotSize × 10^FeeDecimals is too fine or too coarse for exact fees");
        }
        return new FeeScale((long)numerator, (long)denominator);
    }

    public long Fee(long priceTicks, long lots, int rateMillionths)
    {
        if (rateMillionths == 0)
        {
            return 0;
        }
        var numerator = (Int128)priceTicks * lots * rateMillionths * Numerator;
        if (Denominator == 1)
        {
            return (long)numerator;
        }
        // Int128 division truncates toward zero, which already is the ceiling for a negative amount.
        var quotient = numerator / Denominator;
        if (numerator > 0 && quotient * Denominator != numerator)
        {
            quotient += 1;
        }
        return (long)quotient;
    }

    private static (long Mantissa, int Scale) Decompose(decimal value)
    {
        var scale = 0;
        while (value % 1 != 0)
        {
            value *= 10;
            scale++;
        }
        return (decimal.ToInt64(value), scale);
    }
}
