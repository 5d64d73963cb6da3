namespace Clearing.Margin.Domain.Options;

/// <summary>
/// Black-Scholes-Merton for European options on a spot price S with continuous yield q:
/// F = S·e^((r-q)T), call = S·e^(-qT)·N(d1) - K·e^(-rT)·N(d2). Pure, allocation-free, double internally.
/// </summary>
public static class BlackScholesMerton
{
    /// <summary>Present value of the option.</summary>
    /// <exception cref="OptionInputException">spot, strike, volatility or years not positive; rate or yield not finite.</exception>
    public static double Price(OptionKind kind, double spot, double strike, double volatility, double rate, double years, double dividendYield = 0.0)
    {
        Validate(kind, spot, strike, volatility, rate, years, dividendYield);
        return BlackFormula.Price(kind, spot, strike, volatility, rate, years, dividendYield, forwardModel: false);
    }

    /// <summary>Price and Greeks (delta and gamma per unit of spot, vega per vol point, theta per calendar day, rho per 1%).</summary>
    /// <exception cref="OptionInputException">spot, strike, volatility or years not positive; rate or yield not finite.</exception>
    public static OptionGreeks Greeks(OptionKind kind, double spot, double strike, double volatility, double rate, double years, double dividendYield = 0.0)
    {
        Validate(kind, spot, strike, volatility, rate, years, dividendYield);
        return BlackFormula.Greeks(kind, spot, strike, volatility, rate, years, dividendYield, forwardModel: false);
    }

    internal static void Validate(OptionKind kind, double spot, double strike, double volatility, double rate, double years, double dividendYield)
    {
        OptionInputGuard.Kind(kind);
        OptionInputGuard.Positive(spot, "spot");
        OptionInputGuard.Positive(strike, "strike");
        OptionInputGuard.Positive(volatility, "volatility");
        OptionInputGuard.Positive(years, "years");
        OptionInputGuard.Finite(rate, "rate");
        OptionInputGuard.Finite(dividendYield, "dividendYield");
    }
}
