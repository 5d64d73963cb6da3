namespace Clearing.Margin.Domain.Options;

/// <summary>
/// Black-76 for European options on a forward or futures price F, discounted at rate r:
/// call = e^(-rT)·(F·N(d1) - K·N(d2)). Delta and gamma are per unit of the forward; rho holds the forward
/// fixed (only discounting moves), which is the convention for options on futures.
/// </summary>
public static class Black76
{
    /// <summary>Present value of the option.</summary>
    /// <exception cref="OptionInputException">forward, strike, volatility or years not positive; rate not finite.</exception>
    public static double Price(OptionKind kind, double forward, double strike, double volatility, double rate, double years)
    {
        Validate(kind, forward, strike, volatility, rate, years);
        return BlackFormula.Price(kind, forward, strike, volatility, rate, years, carry: rate, forwardModel: true);
    }

    /// <summary>Price and Greeks (delta and gamma per unit of forward, vega per vol point, theta per calendar day, rho per 1%).</summary>
    /// <exception cref="OptionInputException">forward, strike, volatility or years not positive; rate not finite.</exception>
    public static OptionGreeks Greeks(OptionKind kind, double forward, double strike, double volatility, double rate, double years)
    {
        Validate(kind, forward, strike, volatility, rate, years);
        return BlackFormula.Greeks(kind, forward, strike, volatility, rate, years, carry: rate, forwardModel: true);
    }

    internal static void Validate(OptionKind kind, double forward, double strike, double volatility, double rate, double years)
    {
        OptionInputGuard.Kind(kind);
        OptionInputGuard.Positive(forward, "forward");
        OptionInputGuard.Positive(strike, "strike");
        OptionInputGuard.Positive(volatility, "volatility");
        OptionInputGuard.Positive(years, "years");
        OptionInputGuard.Finite(rate, "rate");
    }
}
