namespace Clearing.Margin.Domain.Options;

/// <summary>Chooses the Black-family model at run time (the CLI and the implied-volatility solver use this).</summary>
public static class OptionPricer
{
    /// <summary>Present value. <paramref name="underlying"/> is the spot for Black-Scholes-Merton and the forward for Black-76.</summary>
    /// <exception cref="OptionInputException">An input is out of range, or a yield was given to Black-76.</exception>
    public static double Price(PricingModel model, OptionKind kind, double underlying, double strike, double volatility, double rate, double years, double dividendYield = 0.0)
    {
        if (model == PricingModel.Black76)
        {
            RejectYield(dividendYield);
            return Black76.Price(kind, underlying, strike, volatility, rate, years);
        }

        return BlackScholesMerton.Price(kind, underlying, strike, volatility, rate, years, dividendYield);
    }

    /// <summary>Price and Greeks. <paramref name="underlying"/> is the spot for Black-Scholes-Merton and the forward for Black-76.</summary>
    /// <exception cref="OptionInputException">An input is out of range, or a yield was given to Black-76.</exception>
    public static OptionGreeks Greeks(PricingModel model, OptionKind kind, double underlying, double strike, double volatility, double rate, double years, double dividendYield = 0.0)
    {
        if (model == PricingModel.Black76)
        {
            RejectYield(dividendYield);
            return Black76.Greeks(kind, underlying, strike, volatility, rate, years);
        }

        return BlackScholesMerton.Greeks(kind, underlying, strike, volatility, rate, years, dividendYield);
    }

    /// <summary>A yield on Black-76 means spot and forward were confused; silently dropping it would misprice.</summary>
    internal static void RejectYield(double dividendYield)
    {
        if (dividendYield != 0.0)
        {
            throw new OptionInputException(
                $"dividendYield applies only to Black-Scholes-Merton; Black-76 takes the forward, which already reflects it (got {dividendYield}).",
                "dividendYield");
        }
    }
}
