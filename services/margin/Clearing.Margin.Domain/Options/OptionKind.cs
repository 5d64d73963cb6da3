namespace Clearing.Margin.Domain.Options;

/// <summary>Right conveyed by a European option.</summary>
public enum OptionKind
{
    /// <summary>Right to buy the underlying at the strike.</summary>
    Call,

    /// <summary>Right to sell the underlying at the strike.</summary>
    Put,
}

/// <summary>Which Black-family model prices the option.</summary>
public enum PricingModel
{
    /// <summary>Black-Scholes-Merton on a spot price with a continuous yield q (dividends, foreign rate, staking yield).</summary>
    BlackScholesMerton,

    /// <summary>Black-76 on a forward or futures price; the rate only discounts the payoff.</summary>
    Black76,
}
