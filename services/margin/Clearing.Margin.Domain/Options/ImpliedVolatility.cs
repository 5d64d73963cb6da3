namespace Clearing.Margin.Domain.Options;

/// <summary>Why an implied volatility could not be found.</summary>
public enum ImpliedVolatilityFailure
{
    /// <summary>Solved.</summary>
    None,

    /// <summary>The price is at or below the no-arbitrage lower bound (discounted intrinsic value, or zero):
    /// no positive volatility reproduces it.</summary>
    AtOrBelowIntrinsicValue,

    /// <summary>The price is at or above the no-arbitrage upper bound (the discounted forward for a call, the
    /// discounted strike for a put), or within rounding of it: no finite volatility reproduces it.</summary>
    AtOrAboveUpperBound,

    /// <summary>The solver stopped without reproducing the price to the tolerance.</summary>
    NotConverged,
}

/// <summary>Outcome of <see cref="ImpliedVolatility.TrySolve"/>.</summary>
/// <param name="Volatility">Annualised volatility; meaningful only when <see cref="Succeeded"/>, otherwise 0.</param>
/// <param name="Failure">Why not, or <see cref="ImpliedVolatilityFailure.None"/>.</param>
/// <param name="Iterations">Model evaluations inside the root finder.</param>
/// <param name="PriceError">|model price at <paramref name="Volatility"/> − target| when a volatility was found.</param>
/// <param name="Price">The target price.</param>
/// <param name="LowerBound">No-arbitrage lower bound for the price (discounted intrinsic value).</param>
/// <param name="UpperBound">No-arbitrage upper bound for the price.</param>
public readonly record struct ImpliedVolatilityResult(
    double Volatility,
    ImpliedVolatilityFailure Failure,
    int Iterations,
    double PriceError,
    double Price,
    double LowerBound,
    double UpperBound)
{
    public bool Succeeded => Failure == ImpliedVolatilityFailure.None;

    /// <summary>A sentence for operators and CLI users.</summary>
    public string Describe() => Failure switch
    {
        ImpliedVolatilityFailure.None => $"implied volatility {Volatility} reproduces price {Price} within {PriceError}.",
        // Prices within rounding of the bound count as "at" it.
        ImpliedVolatilityFailure.AtOrBelowIntrinsicValue => Price < LowerBound - 4.0 * 2.220446049250313e-16 * UpperBound
            ? $"price {Price} is below the no-arbitrage lower bound {LowerBound} (discounted intrinsic value): no volatility reproduces it."
            : $"price {Price} has no time value over the no-arbitrage lower bound {LowerBound}: the implied volatility would be zero, which is not a valid volatility.",
        ImpliedVolatilityFailure.AtOrAboveUpperBound =>
            $"price {Price} is at or above the no-arbitrage upper bound {UpperBound} (or within rounding of it): no finite volatility reproduces it.",
        ImpliedVolatilityFailure.NotConverged =>
            $"the solver did not reproduce price {Price} (best error {PriceError}) after {Iterations} evaluations.",
        _ => $"unknown failure {Failure}.",
    };
}

/// <summary>The solver could not return an implied volatility; <see cref="Result"/> says why.</summary>
public sealed class ImpliedVolatilityException : Exception
{
    public ImpliedVolatilityException()
    {
    }

    public ImpliedVolatilityException(string message)
        : base(message)
    {
    }

    public ImpliedVolatilityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ImpliedVolatilityException(ImpliedVolatilityResult result)
        : base(result.Describe()) => Result = result;

    public ImpliedVolatilityResult Result { get; }

    public ImpliedVolatilityFailure Failure => Result.Failure;
}

/// <summary>
/// Implied volatility for Black-Scholes-Merton and Black-76 prices.
/// </summary>
/// <remarks>
/// Method: reduce to the undiscounted Black price of the out-of-the-money option (put-call parity moves an
/// in-the-money price over, which removes the intrinsic value that would otherwise swamp the time value),
/// then solve for the total deviation s = σ√T with safeguarded Newton steps inside a bracket that always
/// holds the root, falling back to bisection whenever a step would leave it. The out-of-the-money price is
/// convex in s below s* = √(2|ln F/K|) (where vega peaks) and concave above; below s* Newton runs on
/// ln(price), whose steps do not crawl when the price is exponentially small, above s* on the price itself,
/// where Newton from s* approaches the root monotonically. Iteration stops at machine precision in s.
/// Acceptance: the model price at the answer must match the target to <see cref="PriceTolerance"/>·max(1, price),
/// or to a few ulps of the underlying's magnitude when that is coarser (a 1e6 forward cannot resolve 1e-10).
/// Otherwise the result carries the reason; it is never NaN.
/// </remarks>
public static class ImpliedVolatility
{
    /// <summary>Required price agreement, absolute below a price of 1 and relative above it.</summary>
    public const double PriceTolerance = 1e-10;

    private const int MaxEvaluations = 200;

    private const double MachineEpsilon = 2.220446049250313e-16;

    // σ√T of 64 is already a price equal to its upper bound in double precision.
    private const double MaxTotalDeviation = 64.0;

    /// <summary>Implied volatility, or an <see cref="ImpliedVolatilityException"/> naming the reason.</summary>
    /// <exception cref="OptionInputException">An input is out of range (non-positive underlying/strike/years, non-finite price).</exception>
    /// <exception cref="ImpliedVolatilityException">The price violates the no-arbitrage bounds or the solver did not converge.</exception>
    public static double Solve(PricingModel model, OptionKind kind, double underlying, double strike, double rate, double years, double price, double dividendYield = 0.0)
    {
        var result = TrySolve(model, kind, underlying, strike, rate, years, price, dividendYield);
        return result.Succeeded ? result.Volatility : throw new ImpliedVolatilityException(result);
    }

    /// <summary>Implied volatility with the reason on failure. <paramref name="underlying"/> is spot (BSM) or forward (Black-76).</summary>
    /// <exception cref="OptionInputException">An input is out of range (non-positive underlying/strike/years, non-finite price).</exception>
    public static ImpliedVolatilityResult TrySolve(PricingModel model, OptionKind kind, double underlying, double strike, double rate, double years, double price, double dividendYield = 0.0)
    {
        OptionInputGuard.Kind(kind);
        OptionInputGuard.Positive(underlying, model == PricingModel.Black76 ? "forward" : "spot");
        OptionInputGuard.Positive(strike, "strike");
        OptionInputGuard.Positive(years, "years");
        OptionInputGuard.Finite(rate, "rate");
        OptionInputGuard.Finite(dividendYield, "dividendYield");
        OptionInputGuard.Finite(price, "price");
        if (model == PricingModel.Black76)
        {
            OptionPricer.RejectYield(dividendYield);
        }

        var forward = model == PricingModel.Black76 ? underlying : underlying * Math.Exp((rate - dividendYield) * years);
        var discount = Math.Exp(-rate * years);
        var sign = kind == OptionKind.Call ? 1.0 : -1.0;
        var intrinsic = Math.Max(sign * (forward - strike), 0.0);
        var ceiling = kind == OptionKind.Call ? forward : strike;
        // Bounds in the form a user computes them (S·e^(−qT), K·e^(−rT)), so a price typed exactly at one is caught.
        var carried = model == PricingModel.Black76 ? underlying * discount : underlying * Math.Exp(-dividendYield * years);
        var discountedStrike = strike * discount;
        var lowerBound = Math.Max(sign * (carried - discountedStrike), 0.0);
        var upperBound = kind == OptionKind.Call ? carried : discountedStrike;

        ImpliedVolatilityResult Fail(ImpliedVolatilityFailure failure, int iterations = 0, double error = 0.0) =>
            new(0.0, failure, iterations, error, price, lowerBound, upperBound);

        var target = price / discount;
        if (price >= upperBound || target >= ceiling)
        {
            return Fail(ImpliedVolatilityFailure.AtOrAboveUpperBound);
        }

        var otmSign = sign;
        var otmTarget = target;
        if (intrinsic > 0.0)
        {
            otmTarget = target - intrinsic; // parity: an in-the-money call is the out-of-the-money put plus (F - K)
            otmSign = -sign;
        }

        if (!(otmTarget > 0.0) || price <= lowerBound)
        {
            return Fail(ImpliedVolatilityFailure.AtOrBelowIntrinsicValue);
        }

        var outcome = SolveTotalDeviation(otmSign, forward, strike, otmTarget, out var deviation, out var evaluations);
        if (outcome == ImpliedVolatilityFailure.AtOrAboveUpperBound)
        {
            return Fail(outcome, evaluations);
        }

        // Even when the evaluation budget ran out the best point is checked: the price decides.

        var volatility = deviation / Math.Sqrt(years);
        var repriced = OptionPricer.Price(model, kind, underlying, strike, volatility, rate, years, dividendYield);
        var error = Math.Abs(repriced - price);
        var tolerance = Math.Max(PriceTolerance * Math.Max(1.0, price), 16.0 * MachineEpsilon * Math.Max(forward, strike) * discount);
        return error <= tolerance
            ? new ImpliedVolatilityResult(volatility, ImpliedVolatilityFailure.None, evaluations, error, price, lowerBound, upperBound)
            : Fail(ImpliedVolatilityFailure.NotConverged, evaluations, error);
    }

    /// <summary>Solves θ·(F·N(θd1) − K·N(θd2)) = target for s, where the option is out of the money (θ·ln(F/K) ≤ 0).</summary>
    private static ImpliedVolatilityFailure SolveTotalDeviation(double sign, double forward, double strike, double target, out double deviation, out int evaluations)
    {
        var logMoneyness = Math.Log(forward / strike);
        var inflection = Math.Sqrt(2.0 * Math.Abs(logMoneyness));
        evaluations = 0;

        var convex = false;
        if (inflection > 0.0)
        {
            evaluations++;
            convex = target < OutOfTheMoneyPrice(sign, forward, strike, logMoneyness, inflection, out _);
        }

        double low, high, s;
        if (convex)
        {
            (low, high, s) = (0.0, inflection, inflection);
        }
        else
        {
            evaluations++;
            if (OutOfTheMoneyPrice(sign, forward, strike, logMoneyness, MaxTotalDeviation, out _) <= target)
            {
                deviation = 0.0;
                return ImpliedVolatilityFailure.AtOrAboveUpperBound;
            }

            low = inflection;
            high = MaxTotalDeviation;
            // At the money there is no convex part; Brenner-Subrahmanyam's √(2π)·price/F lies left of the root
            // there (the price is concave in s), so Newton still approaches monotonically.
            s = inflection > 0.0 ? inflection : Math.Min(Math.Sqrt(2.0 * Math.PI) * target / forward, 0.5 * MaxTotalDeviation);
        }

        while (evaluations < MaxEvaluations)
        {
            evaluations++;
            var value = OutOfTheMoneyPrice(sign, forward, strike, logMoneyness, s, out var vega);
            double next;
            if (convex && value <= 0.0)
            {
                low = s; // underflow: the root is further right
                next = 0.5 * (low + high);
            }
            else
            {
                // Residual in ln(price) on the convex side, in price on the concave side; same sign either way.
                var residual = convex ? Math.Log(value / target) : value - target;
                if (residual == 0.0)
                {
                    deviation = s;
                    return ImpliedVolatilityFailure.None;
                }

                if (residual < 0.0)
                {
                    low = s;
                }
                else
                {
                    high = s;
                }

                var slope = convex ? vega / value : vega;
                next = s - residual / slope;
                // A Newton step below the resolution of s means s is the root to machine precision. Checked before
                // the bracket test: a step of rounding noise may point just outside the bracket it built.
                if (Math.Abs(next - s) <= 4.0 * MachineEpsilon * s)
                {
                    deviation = s;
                    return ImpliedVolatilityFailure.None;
                }
            }

            if (!(next > low && next < high))
            {
                next = 0.5 * (low + high);
                if (high - low <= 4.0 * MachineEpsilon * high)
                {
                    deviation = next; // the bracket itself has collapsed
                    return ImpliedVolatilityFailure.None;
                }
            }

            s = next;
        }

        deviation = s;
        return ImpliedVolatilityFailure.NotConverged;
    }

    /// <summary>Undiscounted Black price of the out-of-the-money option and its derivative in s (F·n(d1)).</summary>
    private static double OutOfTheMoneyPrice(double sign, double forward, double strike, double logMoneyness, double s, out double vega)
    {
        var d1 = logMoneyness / s + 0.5 * s;
        var d2 = d1 - s;
        var nd1 = NormalDistribution.Cdf(sign * d1, out var density);
        var nd2 = NormalDistribution.Cdf(sign * d2, out _);
        vega = forward * density;
        return Math.Max(sign * (forward * nd1 - strike * nd2), 0.0);
    }
}
