namespace Clearing.Margin.Domain.Options;

/// <summary>Which volatility a scenario revalues with.</summary>
public enum VolatilityScenario
{
    /// <summary>Each option's surface volatility as it is.</summary>
    Unchanged,

    /// <summary>Surface volatility shocked up: σ·(1 + up·(30/dte)^p).</summary>
    Up,

    /// <summary>Surface volatility shocked down: σ·(1 − down·(30/dte)^p).</summary>
    Down,
}

/// <summary>One revaluation: the underlying moves by <paramref name="UnderlyingMove"/> (0.16 = +16%) with the
/// given volatility state, and its loss counts at <paramref name="Weight"/>.</summary>
public readonly record struct MarginScenario(double UnderlyingMove, VolatilityScenario Volatility, double Weight, bool Extended);

/// <summary>Outcome of <see cref="PortfolioMargin.Compute(OptionPortfolio, UnderlyingMarket, VolatilitySurface)"/>,
/// in the quote currency, rounded as <see cref="PortfolioMarginParameters.MoneyDecimals"/> says.</summary>
/// <param name="Margin">Requirement: max(worst weighted scenario loss, short option minimum), rounded up.</param>
/// <param name="WorstScenarioLoss">Largest weighted scenario loss (0 if every scenario gains), rounded up.</param>
/// <param name="ShortOptionMinimum">The floor from net short options, rounded up.</param>
/// <param name="MarkValue">Present value of the option positions on the current surface, rounded toward −∞.</param>
/// <param name="WorstScenario">The scenario that produced <paramref name="WorstScenarioLoss"/>.</param>
public readonly record struct PortfolioMarginResult(
    decimal Margin,
    decimal WorstScenarioLoss,
    decimal ShortOptionMinimum,
    decimal MarkValue,
    MarginScenario WorstScenario)
{
    /// <summary>True when the short option minimum, not a scenario, set the requirement.</summary>
    public bool FloorBinds => ShortOptionMinimum > WorstScenarioLoss;
}

/// <summary>
/// Skew-aware portfolio margin for all the options, futures and perpetuals one account holds on one underlying:
/// the whole portfolio is revalued under every scenario of the grid and the requirement is the worst weighted
/// loss, floored by a minimum per short option. Pure: the same inputs give the same result; safe to share
/// between threads (the grid is precomputed and immutable).
/// </summary>
/// <remarks>
/// <para>Scenarios (defaults in <see cref="PortfolioMarginParameters"/>): the underlying moves to each of the
/// <c>PriceBuckets</c> evenly spaced points in ±<c>PriceRange</c>, each with volatility unchanged, up and down
/// (Deribit's 9×3 table; SPAN's 16 scenarios are the same idea); then the extended moves with volatility up at
/// the partial weight min(1, scale·range/|m|).</para>
/// <para>Volatility comes from the surface per strike and expiry: σ(K,T) at log-moneyness ln(K/F_T) against the
/// current forward, and the shocks are relative to that σ and scaled by (30/dte)^p, so the skew carries into
/// the shocks: a steeper put skew means higher put vols and bigger vol-point shocks on them. Under a move the
/// strike keeps its vol (sticky strike). That is the conservative reading for short puts in a falling market —
/// sticky moneyness would slide them down the skew to the lower at-the-money vol just when they are hurting —
/// and it is what Deribit and SPAN do when they shock each option's own implied vol.</para>
/// <para>Revaluation is Black-Scholes-Merton on the scenario spot (equivalently Black-76 on the scenario forward
/// S·(1+m)·e^((r−q)T)); the time to expiry is not advanced. Options past expiry but not yet settled are worth
/// their intrinsic value against the scenario spot. Dated futures move with their forward, perpetuals with spot.</para>
/// </remarks>
public sealed class PortfolioMargin
{
    private const int StackScenarioLimit = 128;

    private readonly MarginScenario[] scenarios;
    private readonly double[] growth;
    private readonly double[] logGrowth;
    private readonly int[] volatilityState;
    private readonly double[] weights;

    /// <exception cref="ArgumentException">A parameter is out of range.</exception>
    public PortfolioMargin(PortfolioMarginParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        Parameters = parameters;

        var grid = new List<MarginScenario>();
        for (var bucket = 0; bucket < parameters.PriceBuckets; bucket++)
        {
            var move = -parameters.PriceRange + 2.0 * parameters.PriceRange * bucket / (parameters.PriceBuckets - 1);
            if (bucket == parameters.PriceBuckets / 2)
            {
                move = 0.0; // exact zero, not a rounding residue
            }

            grid.Add(new MarginScenario(move, VolatilityScenario.Unchanged, 1.0, Extended: false));
            grid.Add(new MarginScenario(move, VolatilityScenario.Up, 1.0, Extended: false));
            grid.Add(new MarginScenario(move, VolatilityScenario.Down, 1.0, Extended: false));
        }

        foreach (var move in parameters.ExtendedMoves)
        {
            var weight = Math.Min(1.0, parameters.ExtendedMoveWeightScale * parameters.PriceRange / Math.Abs(move));
            grid.Add(new MarginScenario(move, VolatilityScenario.Up, weight, Extended: true));
        }

        scenarios = [.. grid];
        growth = [.. scenarios.Select(scenario => 1.0 + scenario.UnderlyingMove)];
        logGrowth = [.. scenarios.Select(scenario => Math.Log(1.0 + scenario.UnderlyingMove))];
        volatilityState = [.. scenarios.Select(scenario => (int)scenario.Volatility)];
        weights = [.. scenarios.Select(scenario => scenario.Weight)];
    }

    /// <summary>An engine with <see cref="PortfolioMarginParameters.Default"/>.</summary>
    public static PortfolioMargin Default { get; } = new(PortfolioMarginParameters.Default);

    public PortfolioMarginParameters Parameters { get; }

    /// <summary>The grid, in the order of <see cref="ScenarioProfitAndLoss"/>.</summary>
    public IReadOnlyList<MarginScenario> Scenarios => scenarios;

    /// <summary>One-off convenience; build a <see cref="PortfolioMargin"/> once to margin many accounts.</summary>
    public static PortfolioMarginResult Compute(OptionPortfolio portfolio, UnderlyingMarket market, VolatilitySurface surface, PortfolioMarginParameters parameters) =>
        new PortfolioMargin(parameters).Compute(portfolio, market, surface);

    /// <summary>Margin requirement of the portfolio.</summary>
    public PortfolioMarginResult Compute(OptionPortfolio portfolio, UnderlyingMarket market, VolatilitySurface surface)
    {
        var profitAndLoss = scenarios.Length <= StackScenarioLimit ? stackalloc double[scenarios.Length] : new double[scenarios.Length];
        Revalue(portfolio, market, surface, profitAndLoss, out var markValue, out var shortUnits);

        var worstLoss = double.NegativeInfinity;
        var worstIndex = 0;
        for (var i = 0; i < profitAndLoss.Length; i++)
        {
            var loss = -profitAndLoss[i] * weights[i];
            if (loss > worstLoss)
            {
                (worstLoss, worstIndex) = (loss, i);
            }
        }

        var decimals = Parameters.MoneyDecimals;
        var scenarioLoss = RoundMoney(Math.Max(worstLoss, 0.0), decimals, MidpointRounding.ToPositiveInfinity);
        var floor = RoundMoney(shortUnits * Parameters.ShortOptionMinimum * (double)market.Spot, decimals, MidpointRounding.ToPositiveInfinity);
        return new PortfolioMarginResult(
            Math.Max(scenarioLoss, floor),
            scenarioLoss,
            floor,
            RoundMoney(markValue, decimals, MidpointRounding.ToNegativeInfinity),
            scenarios[worstIndex]);
    }

    /// <summary>Unweighted profit (+) or loss (−) of the whole portfolio in each scenario of <see cref="Scenarios"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the grid.</exception>
    public void ScenarioProfitAndLoss(OptionPortfolio portfolio, UnderlyingMarket market, VolatilitySurface surface, Span<double> destination)
    {
        if (destination.Length < scenarios.Length)
        {
            throw new ArgumentException($"destination holds {destination.Length} values, the grid has {scenarios.Length} scenarios.", nameof(destination));
        }

        Revalue(portfolio, market, surface, destination[..scenarios.Length], out _, out _);
    }

    /// <summary>The volatility an option with surface vol <paramref name="volatility"/> and
    /// <paramref name="daysToExpiry"/> days left is revalued with in <paramref name="state"/>.</summary>
    public double ShockedVolatility(double volatility, double daysToExpiry, VolatilityScenario state)
    {
        var (up, down) = ShockMultipliers(daysToExpiry);
        return state switch
        {
            VolatilityScenario.Up => volatility * up,
            VolatilityScenario.Down => volatility * down,
            _ => volatility,
        };
    }

    private (double Up, double Down) ShockMultipliers(double daysToExpiry)
    {
        var p = Parameters;
        var scale = Math.Pow(p.VolatilityShockReferenceDays / Math.Max(daysToExpiry, p.MinimumShockDays), p.VolatilityShockPower);
        return (1.0 + p.VolatilityUpShock * scale, Math.Max(p.MinimumVolatilityMultiplier, 1.0 - p.VolatilityDownShock * scale));
    }

    private void Revalue(OptionPortfolio portfolio, UnderlyingMarket market, VolatilitySurface surface, Span<double> profitAndLoss, out double markValue, out double shortUnits)
    {
        ArgumentNullException.ThrowIfNull(portfolio);
        ArgumentNullException.ThrowIfNull(market);
        ArgumentNullException.ThrowIfNull(surface);
        profitAndLoss.Clear();
        markValue = 0.0;
        shortUnits = 0.0;

        var spot = (double)market.Spot;
        var carryRate = market.Rate - market.DividendYield;
        Span<double> deviations = stackalloc double[3];
        ReadOnlySpan<double> moveGrowth = growth;
        ReadOnlySpan<double> moveLogGrowth = logGrowth;
        ReadOnlySpan<int> states = volatilityState;

        foreach (var position in portfolio.OptionSpan)
        {
            var quantity = (double)position.Quantity;
            if (quantity == 0.0)
            {
                continue;
            }

            if (quantity < 0.0)
            {
                shortUnits -= quantity;
            }

            var strike = (double)position.Strike;
            var sign = position.Kind == OptionKind.Call ? 1.0 : -1.0;
            var years = market.YearsTo(position.Expiry);
            if (years <= 0.0)
            {
                // Expired, awaiting settlement: the payoff is fixed by the settlement price, intrinsic meanwhile.
                var intrinsic = Math.Max(sign * (spot - strike), 0.0);
                markValue += quantity * intrinsic;
                for (var i = 0; i < profitAndLoss.Length; i++)
                {
                    profitAndLoss[i] += quantity * (Math.Max(sign * (spot * moveGrowth[i] - strike), 0.0) - intrinsic);
                }

                continue;
            }

            var forward = spot * Math.Exp(carryRate * years);
            var discount = Math.Exp(-market.Rate * years);
            var logForwardOverStrike = Math.Log(forward / strike);
            var volatility = surface.Volatility(-logForwardOverStrike, years);
            var (up, down) = ShockMultipliers(years * 365.0);
            var deviation = volatility * Math.Sqrt(years);
            deviations[(int)VolatilityScenario.Unchanged] = deviation;
            deviations[(int)VolatilityScenario.Up] = deviation * up;
            deviations[(int)VolatilityScenario.Down] = deviation * down;

            var baseValue = BlackFormula.Undiscounted(sign, forward, strike, logForwardOverStrike, deviation);
            var discountedQuantity = quantity * discount;
            markValue += discountedQuantity * baseValue;
            for (var i = 0; i < profitAndLoss.Length; i++)
            {
                var value = BlackFormula.Undiscounted(sign, forward * moveGrowth[i], strike, logForwardOverStrike + moveLogGrowth[i], deviations[states[i]]);
                profitAndLoss[i] += discountedQuantity * (value - baseValue);
            }
        }

        foreach (var position in portfolio.FutureSpan)
        {
            var quantity = (double)position.Quantity;
            var price = spot;
            if (position.Expiry is { } expiry && market.YearsTo(expiry) is var years && years > 0.0)
            {
                price = spot * Math.Exp(carryRate * years);
            }

            for (var i = 0; i < profitAndLoss.Length; i++)
            {
                profitAndLoss[i] += quantity * price * (moveGrowth[i] - 1.0);
            }
        }
    }

    private static decimal RoundMoney(double value, int decimals, MidpointRounding direction)
    {
        if (!double.IsFinite(value) || Math.Abs(value) >= 7.9e27)
        {
            throw new InvalidOperationException($"portfolio margin produced {value}, which is not a representable amount of money.");
        }

        // .NET's ToPositiveInfinity/ToNegativeInfinity modes are directed rounding (ceiling/floor at the
        // given decimals), not only midpoint rules.
        return decimal.Round((decimal)value, decimals, direction);
    }
}
