namespace Clearing.Funding.Domain;

/// <summary>A rate as fixed at an interval boundary, with the parts it was made of.</summary>
public sealed record FundingRateFix(decimal PremiumAverage, decimal InterestComponent, decimal UncappedRate, decimal Rate, bool Capped);

/// <summary>
/// The rate of one interval from its premium samples (BitMEX/Hyperliquid form, per interval):
/// <code>F = clamp(P̄ + clamp(I − P̄, −band, +band), −cap, +cap)</code>
/// P̄ is the arithmetic mean of the interval's samples (they are equally spaced, so this is the time-weighted mean),
/// I the interest rate. The inner clamp is the interest component: in a quiet market (P̄ within the band of I) the rate
/// is exactly I; a real premium passes through less the band. The outer clamp is the cap.
/// </summary>
public static class FundingRate
{
    public static decimal Average(decimal premiumSum, int samples)
    {
        if (samples <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "an average needs at least one sample");
        }

        return Premium.Round(premiumSum / samples);
    }

    public static FundingRateFix Fix(decimal premiumAverage, FundingParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var interest = Math.Clamp(parameters.InterestRate - premiumAverage, -parameters.InterestBand, parameters.InterestBand);
        var uncapped = premiumAverage + interest;
        var rate = Math.Clamp(uncapped, -parameters.Cap, parameters.Cap);
        return new FundingRateFix(premiumAverage, interest, uncapped, rate, Capped: rate != uncapped);
    }
}
