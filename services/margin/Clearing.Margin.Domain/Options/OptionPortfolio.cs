namespace Clearing.Margin.Domain.Options;

/// <summary>
/// A European option series held by an account. Quantity is signed (negative = short) and counted in units of
/// the underlying (a 1-BTC option contract is quantity 1); strike and quantity are exact decimals as booked.
/// </summary>
public readonly record struct OptionPosition(OptionKind Kind, decimal Strike, DateTimeOffset Expiry, decimal Quantity);

/// <summary>
/// A linear position on the same underlying: a dated future (<see cref="Expiry"/> set) or a perpetual
/// (<see cref="Expiry"/> null). Quantity is signed, in units of the underlying.
/// </summary>
public readonly record struct FuturePosition(DateTimeOffset? Expiry, decimal Quantity);

/// <summary>
/// Everything one account holds on one underlying: the unit the portfolio margin revalues together.
/// Positions in the same option series (kind, strike, expiry) or the same future are merged, so every
/// series appears once with its net quantity.
/// </summary>
public sealed class OptionPortfolio
{
    private readonly OptionPosition[] options;
    private readonly FuturePosition[] futures;

    /// <exception cref="ArgumentException">Empty underlying name, non-positive strike, or unknown option kind.</exception>
    public OptionPortfolio(string underlying, IEnumerable<OptionPosition> options, IEnumerable<FuturePosition>? futures = null)
    {
        if (string.IsNullOrWhiteSpace(underlying))
        {
            throw new ArgumentException("a portfolio needs the name of its underlying.", nameof(underlying));
        }

        ArgumentNullException.ThrowIfNull(options);
        Underlying = underlying;
        var optionList = options.ToList();
        foreach (var position in optionList)
        {
            if (position.Strike <= 0m)
            {
                throw new ArgumentException($"option strike must be positive, got {position.Strike} ({position.Kind} {position.Expiry:O}).", nameof(options));
            }

            if (position.Kind is not (OptionKind.Call or OptionKind.Put))
            {
                throw new ArgumentException($"option kind must be Call or Put, got {(int)position.Kind}.", nameof(options));
            }
        }

        this.options = [.. optionList
            .GroupBy(position => (position.Kind, position.Strike, position.Expiry))
            .Select(series => series.First() with { Quantity = series.Sum(position => position.Quantity) })];
        this.futures = [.. (futures ?? [])
            .GroupBy(position => position.Expiry)
            .Select(contract => contract.First() with { Quantity = contract.Sum(position => position.Quantity) })];
    }

    /// <summary>The underlying every position refers to (e.g. "BTC").</summary>
    public string Underlying { get; }

    /// <summary>Option series, one entry per (kind, strike, expiry), net quantity.</summary>
    public IReadOnlyList<OptionPosition> Options => options;

    /// <summary>Futures and perpetuals, one entry per expiry (null = perpetual), net quantity.</summary>
    public IReadOnlyList<FuturePosition> Futures => futures;

    internal ReadOnlySpan<OptionPosition> OptionSpan => options;

    internal ReadOnlySpan<FuturePosition> FutureSpan => futures;
}

/// <summary>
/// Market state of the underlying at the valuation time: spot (index) price, continuously compounded rate
/// used for discounting, continuous yield of the underlying (so F_T = S·e^((r−q)T)), and the valuation instant.
/// </summary>
public sealed record UnderlyingMarket
{
    /// <exception cref="ArgumentException">Spot not positive, or rate / yield not finite.</exception>
    public UnderlyingMarket(decimal spot, double rate, double dividendYield, DateTimeOffset asOf)
    {
        if (spot <= 0m)
        {
            throw new ArgumentException($"spot must be positive, got {spot}.", nameof(spot));
        }

        if (!double.IsFinite(rate))
        {
            throw new ArgumentException($"rate must be finite, got {rate}.", nameof(rate));
        }

        if (!double.IsFinite(dividendYield))
        {
            throw new ArgumentException($"dividendYield must be finite, got {dividendYield}.", nameof(dividendYield));
        }

        (Spot, Rate, DividendYield, AsOf) = (spot, rate, dividendYield, asOf);
    }

    public decimal Spot { get; }

    public double Rate { get; }

    public double DividendYield { get; }

    public DateTimeOffset AsOf { get; }

    /// <summary>Years (of 365 days) from <see cref="AsOf"/> to <paramref name="expiry"/>; negative once past.</summary>
    public double YearsTo(DateTimeOffset expiry) => (expiry - AsOf).Ticks / TicksPerYear;

    private const double TicksPerYear = TimeSpan.TicksPerDay * 365.0;
}
