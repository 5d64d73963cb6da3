namespace Clearing.Margin.Domain.Options;

/// <summary>
/// Price and sensitivities of one option on one unit of the underlying.
/// </summary>
/// <param name="Price">Present value.</param>
/// <param name="Delta">∂price/∂underlying (spot for Black-Scholes-Merton, forward for Black-76), per unit.</param>
/// <param name="Gamma">∂delta/∂underlying, per unit of the underlying.</param>
/// <param name="Vega">Price change for a 1 volatility point (0.01) rise in volatility.</param>
/// <param name="Theta">Price change for one calendar day passing (year = 365 days), everything else fixed.</param>
/// <param name="Rho">Price change for a 1% (0.01) rise in the rate. For Black-76 the forward is held fixed,
/// so only discounting moves: rho = -T·price·0.01.</param>
public readonly record struct OptionGreeks(double Price, double Delta, double Gamma, double Vega, double Theta, double Rho);
