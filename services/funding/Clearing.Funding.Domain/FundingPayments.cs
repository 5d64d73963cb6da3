namespace Clearing.Funding.Domain;

/// <summary>One position's funding payment: positive is received (credited), negative is paid (debited).</summary>
public readonly record struct FundingPayment(string Account, decimal Size, decimal Amount);

/// <summary>
/// The payments of one market and interval. <see cref="Dust"/> goes to <see cref="DustAccount"/>;
/// the sum of every <see cref="FundingPayment.Amount"/> plus <see cref="Dust"/> is exactly zero.
/// </summary>
public sealed record FundingAllocation(IReadOnlyList<FundingPayment> Payments, decimal Dust)
{
    public string DustAccount => FundingPayments.DustAccount;
}

/// <summary>
/// Funding payments for open positions, exactly zero-sum.
/// <para>
/// Rule: payment = −size × (mark × rate), size signed (long &gt; 0), so longs pay shorts when the rate is positive and
/// shorts pay longs when it is negative. Each payment is truncated toward zero to the quote asset's smallest unit
/// (10^-6 for USDC by default): nobody is ever charged more, nor credited more, than the exact amount. Because longs and
/// shorts are equal in size but truncated separately, the truncations do not cancel; their net (the dust, at most one
/// unit per position) is credited or debited to <see cref="DustAccount"/>, so every interval sums to exactly zero.
/// The sum is counted in whole units (a 128-bit integer), so it is exact however many positions there are.
/// </para>
/// <para>
/// Positions of one market net to zero (every trade has a buyer and a seller), so the exact payments cancel and the
/// dust is only rounding. A set of positions whose sizes do not net to zero is refused: the dust account would
/// silently absorb real money.
/// </para>
/// <para>
/// mark × rate is taken once per interval (exact for any realistic mark and 12-decimal rate), then times each size, in
/// .NET decimal arithmetic (28-29 significant digits, specified rounding), so the same inputs give the same payments
/// on every machine. Payments are listed in input order.
/// </para>
/// </summary>
public static class FundingPayments
{
    /// <summary>The named system account that absorbs rounding dust (see shared margin ledger accounts).</summary>
    public const string DustAccount = "system:funding-dust";

    /// <summary>USDC's smallest unit is 10^-6.</summary>
    public const int DefaultQuoteDecimals = 6;

    private const int MaxQuoteDecimals = 18;

    /// <summary>Payments for <paramref name="positions"/> at <paramref name="mark"/> and <paramref name="rate"/> (per interval).</summary>
    public static FundingAllocation Allocate(IReadOnlyList<(string Account, decimal Size)> positions, decimal mark, decimal rate, int quoteDecimals = DefaultQuoteDecimals)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var unitsPerSize = UnitsPerSize(mark, rate, quoteDecimals);
        var payments = new FundingPayment[positions.Count];
        Int128 totalUnits = 0;
        var netSize = 0m;
        for (var i = 0; i < payments.Length; i++)
        {
            var (account, size) = positions[i];
            netSize += size;
            if (string.IsNullOrWhiteSpace(account))
            {
                throw new ArgumentException($"position {i} has no account id", nameof(positions));
            }

            var units = UnitsOf(size, unitsPerSize, i);
            totalUnits += units;
            payments[i] = new FundingPayment(account, size, FromUnits(units, quoteDecimals));
        }

        EnsureBalanced(netSize);
        return new FundingAllocation(payments, FromUnits(-totalUnits, quoteDecimals));
    }

    /// <summary>
    /// The allocation-free form for large books: writes each position's payment into <paramref name="payments"/>
    /// (same index as <paramref name="sizes"/>) and returns the dust for <see cref="DustAccount"/>.
    /// </summary>
    public static decimal Allocate(ReadOnlySpan<decimal> sizes, decimal mark, decimal rate, Span<decimal> payments, int quoteDecimals = DefaultQuoteDecimals)
    {
        if (payments.Length < sizes.Length)
        {
            throw new ArgumentException($"payments has room for {payments.Length} but there are {sizes.Length} positions", nameof(payments));
        }

        var unitsPerSize = UnitsPerSize(mark, rate, quoteDecimals);
        Int128 totalUnits = 0;
        var netSize = 0m;
        for (var i = 0; i < sizes.Length; i++)
        {
            netSize += sizes[i];
            var units = UnitsOf(sizes[i], unitsPerSize, i);
            totalUnits += units;
            payments[i] = FromUnits(units, quoteDecimals);
        }

        EnsureBalanced(netSize);
        return FromUnits(-totalUnits, quoteDecimals);
    }

    /// <summary>One position's payment under the rule above.</summary>
    public static decimal PaymentFor(decimal size, decimal mark, decimal rate, int quoteDecimals = DefaultQuoteDecimals) =>
        FromUnits(UnitsOf(size, UnitsPerSize(mark, rate, quoteDecimals), 0), quoteDecimals);

    private static void EnsureBalanced(decimal netSize)
    {
        if (netSize != 0)
        {
            throw new ArgumentException(
                $"positions net to {netSize}, not zero: funding is paid between longs and shorts of one market, so pass every open position of it");
        }
    }

    /// <summary>mark × rate in quote units per unit of size: one product per interval instead of two per position.</summary>
    private static decimal UnitsPerSize(decimal mark, decimal rate, int quoteDecimals)
    {
        if (mark <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mark), mark, "mark price must be > 0");
        }

        if (quoteDecimals is < 0 or > MaxQuoteDecimals)
        {
            throw new ArgumentOutOfRangeException(nameof(quoteDecimals), quoteDecimals, $"quote decimals must be 0..{MaxQuoteDecimals}");
        }

        try
        {
            return mark * rate * Pow10[quoteDecimals];
        }
        catch (OverflowException e)
        {
            throw new OverflowException($"mark {mark} × rate {rate} exceeds the decimal range in 10^-{quoteDecimals} quote units", e);
        }
    }

    private static Int128 UnitsOf(decimal size, decimal unitsPerSize, int index)
    {
        try
        {
            // Truncation toward zero, counted in whole quote units.
            return (Int128)decimal.Truncate(-size * unitsPerSize);
        }
        catch (OverflowException e)
        {
            throw new OverflowException($"position {index}: payment of size {size} at {unitsPerSize} quote units per unit of size exceeds the decimal range", e);
        }
    }

    private static decimal FromUnits(Int128 units, int quoteDecimals)
    {
        var negative = units < 0;
        var magnitude = (UInt128)(negative ? -units : units);
        // |units| < 2^127 but a decimal mantissa holds 96 bits: more would mean a sum beyond 7.9e28 units.
        if (magnitude >> 96 != 0)
        {
            throw new OverflowException($"funding total of {units} quote units exceeds the decimal range");
        }

        var lo = (int)(uint)magnitude;
        var mid = (int)(uint)(magnitude >> 32);
        var hi = (int)(uint)(magnitude >> 64);
        return new decimal(lo, mid, hi, negative, (byte)quoteDecimals);
    }

    private static readonly decimal[] Pow10 = Enumerable.Range(0, MaxQuoteDecimals + 1).Select(d => Pow(d)).ToArray();

    private static decimal Pow(int exponent)
    {
        var value = 1m;
        for (var i = 0; i < exponent; i++)
        {
            value *= 10m;
        }

        return value;
    }
}
