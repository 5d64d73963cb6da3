using Clearing.Margin.Domain.Options;
using Clearing.Primitives.Markets;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>One position's valuation. Requirement and bankruptcy/liquidation prices hold the rest of the margin unit fixed.</summary>
public sealed record PositionRiskLine(
    string Market,
    decimal Size,
    decimal EntryPrice,
    decimal MarkPrice,
    decimal UnrealizedPnl,
    bool Isolated,
    decimal IsolatedCollateral,
    decimal InitialRequirement,
    decimal MaintenanceRequirement,
    decimal? BankruptcyPrice,
    decimal? LiquidationPrice);

/// <summary>Portfolio Greeks of one underlying and expiry (null: perpetuals), from <see cref="PortfolioGreeks"/>.</summary>
public sealed record GreeksLine(string Underlying, DateTimeOffset? Expiry, decimal Delta, decimal Gamma, decimal Vega, decimal Theta);

/// <summary>
/// A sub-account's valuation. <see cref="Equity"/> values collateral at the last good prices (what maintenance and
/// liquidation look at); <see cref="EquityForNewRisk"/> values collateral whose price is stale at zero (what
/// withdrawals and new positions may use). Money is rounded against the account: equity down, requirements up.
/// Health = equity / maintenance of the weakest margin unit (cross, or an isolated position); the band is that unit's.
/// </summary>
public sealed record AccountRiskSnapshot(
    string AccountId,
    decimal Equity,
    decimal EquityForNewRisk,
    decimal CollateralValue,
    decimal CollateralForNewRisk,
    decimal UnrealizedPnl,
    decimal InitialRequirement,
    decimal MaintenanceRequirement,
    decimal? Health,
    HealthBand Band,
    IReadOnlyList<PositionRiskLine> Positions,
    IReadOnlyList<GreeksLine> Greeks,
    string TriggerAsset,
    long TriggerPriceSequence)
{
    /// <summary>Cross equity for new risk minus the cross initial requirement: what a withdrawal or new order may use.</summary>
    public decimal AvailableMargin { get; init; }

    /// <summary>Collateral short of maintenance, summed over the units below it.</summary>
    public decimal Shortfall { get; init; }

    /// <summary>What it takes to bring every unit back to its initial requirement.</summary>
    public decimal ToRestoreInitial { get; init; }
}

/// <summary>Values sub-accounts: collateral with haircuts at index prices, positions at mark, tiered requirements,
/// options through the portfolio margin. Pure; one instance serves every account.</summary>
public sealed class RiskCalculator(MarketCatalog markets, MarginParameters parameters, PortfolioMargin portfolioMargin)
{
    public MarketCatalog Markets { get; } = markets;

    public MarginParameters Parameters { get; } = parameters;

    public PortfolioMargin PortfolioMargin { get; } = portfolioMargin;

    public decimal RoundDown(decimal value) => Math.Round(value, Parameters.MoneyDecimals, MidpointRounding.ToNegativeInfinity);

    public decimal RoundUp(decimal value) => Math.Round(value, Parameters.MoneyDecimals, MidpointRounding.ToPositiveInfinity);

    public HealthBand BandOf(decimal equity, decimal maintenance)
    {
        if (equity < 0m)
        {
            return HealthBand.Bankrupt;
        }

        if (maintenance <= 0m)
        {
            return HealthBand.Healthy;
        }

        return equity < maintenance ? HealthBand.Liquidation
            : equity < maintenance * Parameters.WarningHealth ? HealthBand.Warning
            : HealthBand.Healthy;
    }

    /// <summary>(value at last good prices, value for new risk) of one asset balance: debts at full price, credits
    /// with the haircut, credits at a stale price worth nothing for new risk, assets without a price worth nothing.</summary>
    public (decimal Value, decimal ForNewRisk) CollateralValue(string asset, decimal balance, RiskPrices prices)
    {
        if (balance == 0m)
        {
            return (0m, 0m);
        }

        Parameters.Collateral.TryGetValue(asset, out var terms);
        decimal price;
        var stale = false;
        if (terms?.FixedPrice is { } fixedPrice)
        {
            price = fixedPrice;
        }
        else if (prices.Assets.TryGetValue(asset, out var index))
        {
            price = index.Index;
            stale = index.Stale;
        }
        else
        {
            // No price yet: a credit cannot be valued (zero); a debt in an unpriced asset cannot exist (only the
            // quote asset, which has a fixed price, goes negative), so it is valued at zero too.
            return (0m, 0m);
        }

        if (balance < 0m)
        {
            var debt = balance * price;
            return (debt, debt);
        }

        var value = terms is null ? 0m : balance * price * (1m - terms.Haircut);
        return (value, stale ? 0m : value);
    }

    public AccountRiskSnapshot Evaluate(Account account, int subAccount, RiskPrices prices, string triggerAsset = "", long triggerSequence = 0) =>
        Evaluate(account.AccountIdOf(subAccount), account.Sub(subAccount), prices, triggerAsset, triggerSequence);

    public AccountRiskSnapshot Evaluate(string accountId, SubAccount sub, RiskPrices prices, string triggerAsset = "", long triggerSequence = 0) =>
        Measure(accountId, sub, prices, triggerAsset, triggerSequence, detail: true).Snapshot!;

    /// <summary>
    /// The band <see cref="Evaluate(string, SubAccount, RiskPrices, string, long)"/> gives, by the same arithmetic, without
    /// building what only a snapshot shows (position lines' liquidation prices, Greeks, option marks per line): a fill
    /// is checked against its band on every booking, and only a crossing needs the snapshot.
    /// </summary>
    public HealthBand BandOf(SubAccount sub, RiskPrices prices) => Measure("", sub, prices, "", 0, detail: false).Band;

    private (HealthBand Band, AccountRiskSnapshot? Snapshot) Measure(string accountId, SubAccount sub, RiskPrices prices, string triggerAsset, long triggerSequence, bool detail)
    {
        var collateral = 0m;
        var collateralNew = 0m;
        var pinnedByAsset = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var position in sub.Positions.Values)
        {
            if (position.Isolated)
            {
                var quote = Markets.Get(position.Market).QuoteAsset;
                pinnedByAsset[quote] = pinnedByAsset.GetValueOrDefault(quote) + Math.Max(position.IsolatedCollateral, 0m);
            }
        }

        foreach (var (asset, balance) in sub.Balances)
        {
            var (value, forNew) = CollateralValue(asset, balance - pinnedByAsset.GetValueOrDefault(asset), prices);
            collateral += value;
            collateralNew += forNew;
        }

        var lines = new List<PositionRiskLine>();
        var crossUpnl = 0m;
        var crossInitial = 0m;
        var crossMaintenance = 0m;
        var isolated = new List<(decimal Equity, decimal Initial, decimal Maintenance)>();
        var optionUnderlyings = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var position in sub.Positions.Values)
        {
            var market = Markets.Get(position.Market);
            if (market.Kind == MarketKind.Option && !position.Isolated)
            {
                optionUnderlyings.Add(market.Underlying);
                continue;
            }

            var mark = MarkOf(market, position, prices);
            var upnl = position.Size * mark - position.Cost;
            var (initial, maintenance) = market.Kind == MarketKind.Option
                ? OptionStandalone(market, position, prices)
                : Parameters.ScheduleFor(market.Symbol, market.Underlying).Requirement(position.Size * mark);
            if (position.Isolated)
            {
                isolated.Add((position.IsolatedCollateral + upnl, initial, maintenance));
            }
            else
            {
                crossUpnl += upnl;
                crossInitial += initial;
                crossMaintenance += maintenance;
            }

            // A band needs only the rounded requirements of these lines (the option margin is floored by them).
            lines.Add(new PositionRiskLine(position.Market, position.Size, detail ? position.EntryPrice : 0m, mark, RoundDown(upnl), position.Isolated,
                position.IsolatedCollateral, RoundUp(initial), RoundUp(maintenance), null, null));
        }

        var greeks = new List<GreeksLine>();
        foreach (var underlying in optionUnderlyings)
        {
            var (upnl, initial, maintenance, optionLines, underlyingGreeks) = PortfolioOf(sub, underlying, prices, detail);
            crossUpnl += upnl;
            // The scenario margin covers the linear positions on this underlying too, but it never charges less than
            // their size tiers: an options hedge must not unlock whale-sized perpetuals on large-cap terms.
            var linearInitial = lines.Where(l => !l.Isolated && Markets.Get(l.Market).Underlying == underlying).Sum(l => l.InitialRequirement);
            var linearMaintenance = lines.Where(l => !l.Isolated && Markets.Get(l.Market).Underlying == underlying).Sum(l => l.MaintenanceRequirement);
            crossInitial += Math.Max(initial, linearInitial) - linearInitial;
            crossMaintenance += Math.Max(maintenance, linearMaintenance) - linearMaintenance;
            lines.AddRange(optionLines);
            greeks.AddRange(underlyingGreeks);
        }

        if (detail)
        {
            foreach (var underlying in sub.Positions.Values.Where(p => !p.Isolated).Select(p => Markets.Get(p.Market))
                         .Where(m => m.Kind != MarketKind.Option).Select(m => m.Underlying).Distinct(StringComparer.Ordinal)
                         .Where(u => !optionUnderlyings.Contains(u)).Order(StringComparer.Ordinal))
            {
                greeks.AddRange(LinearGreeks(sub, underlying, prices));
            }
        }

        var crossEquity = collateral + crossUpnl;
        var crossEquityNew = collateralNew + crossUpnl;
        var band = BandOf(crossEquity, crossMaintenance);
        decimal? health = crossMaintenance > 0m ? crossEquity / crossMaintenance : null;
        var shortfall = Math.Max(crossMaintenance - crossEquity, 0m);
        var toRestore = Math.Max(crossInitial - crossEquity, 0m);
        var equity = crossEquity;
        var initialTotal = crossInitial;
        var maintenanceTotal = crossMaintenance;
        foreach (var unit in isolated)
        {
            equity += unit.Equity;
            initialTotal += unit.Initial;
            maintenanceTotal += unit.Maintenance;
            var unitBand = BandOf(unit.Equity, unit.Maintenance);
            band = (HealthBand)Math.Max((int)band, (int)unitBand);
            if (unit.Maintenance > 0m)
            {
                var unitHealth = unit.Equity / unit.Maintenance;
                health = health is { } h ? Math.Min(h, unitHealth) : unitHealth;
            }

            shortfall += Math.Max(unit.Maintenance - unit.Equity, 0m);
            toRestore += Math.Max(unit.Initial - unit.Equity, 0m);
        }

        if (!detail)
        {
            return (band, null);
        }

        var withPrices = lines.Select(line => line.Isolated ? WithIsolatedPrices(line, sub) : WithCrossPrices(line, crossEquity, crossMaintenance)).ToList();
        return (band, new AccountRiskSnapshot(
            accountId,
            RoundDown(equity),
            RoundDown(crossEquityNew),
            RoundDown(collateral),
            RoundDown(collateralNew),
            RoundDown(equity - collateral),
            RoundUp(initialTotal),
            RoundUp(maintenanceTotal),
            health is { } h0 ? Math.Round(h0, 6, MidpointRounding.ToNegativeInfinity) : null,
            band,
            withPrices,
            greeks,
            triggerAsset,
            triggerSequence)
        {
            AvailableMargin = RoundDown(crossEquityNew - crossInitial),
            Shortfall = RoundUp(shortfall),
            ToRestoreInitial = RoundUp(toRestore),
        });
    }

    private decimal MarkOf(MarketDefinition market, Position position, RiskPrices prices)
    {
        if (market.Kind == MarketKind.Option)
        {
            return OptionValue(market, prices) ?? position.EntryPrice;
        }

        // Before the first price the position is carried at its entry (no PnL) but its requirement still counts.
        return prices.MarkOf(market.Symbol, market.Underlying) ?? position.EntryPrice;
    }

    private decimal? OptionValue(MarketDefinition market, RiskPrices prices)
    {
        if (!prices.Assets.TryGetValue(market.Underlying, out var spot) || spot.Index <= 0m)
        {
            return null;
        }

        var portfolio = new OptionPortfolio(market.Underlying, [ToOption(market, 1m)]);
        return PortfolioMargin.Compute(portfolio, MarketOf(spot), SurfaceOf(market.Underlying, prices)).MarkValue;
    }

    /// <summary>An isolated option (or one without an underlying price) on its own: the scenario margin of that one series.</summary>
    private (decimal Initial, decimal Maintenance) OptionStandalone(MarketDefinition market, Position position, RiskPrices prices)
    {
        if (!prices.Assets.TryGetValue(market.Underlying, out var spot) || spot.Index <= 0m)
        {
            // No underlying price at all: a short is charged its strike's full notional, a long nothing beyond its premium.
            var conservative = position.Size < 0m ? -position.Size * market.Strike!.Value : 0m;
            return (conservative, conservative);
        }

        var result = PortfolioMargin.Compute(new OptionPortfolio(market.Underlying, [ToOption(market, position.Size)]), MarketOf(spot), SurfaceOf(market.Underlying, prices));
        return (result.Margin * Parameters.OptionInitialMultiplier, result.Margin);
    }

    /// <summary>Without <paramref name="detail"/>, the option lines and Greeks are left empty: the totals are the same.</summary>
    private (decimal Upnl, decimal Initial, decimal Maintenance, List<PositionRiskLine> Lines, List<GreeksLine> Greeks) PortfolioOf(SubAccount sub, string underlying, RiskPrices prices, bool detail)
    {
        var held = sub.Positions.Values.Where(p => !p.Isolated).Select(p => (Position: p, Market: Markets.Get(p.Market)))
            .Where(x => x.Market.Underlying == underlying).ToList();
        var options = held.Where(x => x.Market.Kind == MarketKind.Option).ToList();
        var lines = new List<PositionRiskLine>();
        if (!prices.Assets.TryGetValue(underlying, out var spot) || spot.Index <= 0m)
        {
            var initial = 0m;
            foreach (var (position, market) in options)
            {
                var (i, _) = OptionStandalone(market, position, prices);
                initial += i;
                lines.Add(new PositionRiskLine(market.Symbol, position.Size, position.EntryPrice, position.EntryPrice, 0m, false, 0m, RoundUp(i), RoundUp(i), null, null));
            }

            return (0m, initial, initial, lines, []);
        }

        var market0 = MarketOf(spot);
        var surface = SurfaceOf(underlying, prices);
        var portfolio = new OptionPortfolio(
            underlying,
            options.Select(x => ToOption(x.Market, x.Position.Size)),
            held.Where(x => x.Market.Kind != MarketKind.Option).Select(x => new FuturePosition(x.Market.Expiry, x.Position.Size)));
        var result = PortfolioMargin.Compute(portfolio, market0, surface);
        var optionCost = options.Sum(x => x.Position.Cost);
        if (!detail)
        {
            return (result.MarkValue - optionCost, result.Margin * Parameters.OptionInitialMultiplier, result.Margin, lines, []);
        }

        foreach (var (position, market) in options)
        {
            var value = OptionValue(market, prices) ?? position.EntryPrice;
            lines.Add(new PositionRiskLine(market.Symbol, position.Size, position.EntryPrice, value, RoundDown(position.Size * value - position.Cost), false, 0m, 0m, 0m, null, null));
        }

        var greeks = PortfolioGreeks.Aggregate(portfolio, market0, surface).ByExpiry
            .Select(g => new GreeksLine(underlying, g.Expiry, g.Greeks.Delta, g.Greeks.Gamma, g.Greeks.Vega, g.Greeks.Theta)).ToList();
        return (result.MarkValue - optionCost, result.Margin * Parameters.OptionInitialMultiplier, result.Margin, lines, greeks);
    }

    private List<GreeksLine> LinearGreeks(SubAccount sub, string underlying, RiskPrices prices)
    {
        // Linear positions only: delta is the size (per unit of the underlying), the other Greeks are zero; grouped
        // by expiry like the options' Greeks (null = perpetual).
        return sub.Positions.Values.Where(p => !p.Isolated).Select(p => (Position: p, Market: Markets.Get(p.Market)))
            .Where(x => x.Market.Underlying == underlying && x.Market.Kind != MarketKind.Option)
            .GroupBy(x => x.Market.Expiry)
            .OrderBy(g => g.Key ?? DateTimeOffset.MinValue)
            .Select(g => new GreeksLine(underlying, g.Key, g.Sum(x => x.Position.Size), 0m, 0m, 0m))
            .ToList();
    }

    private static OptionPosition ToOption(MarketDefinition market, decimal quantity) =>
        new(market.Right == OptionRight.Call ? OptionKind.Call : OptionKind.Put, market.Strike!.Value, market.Expiry!.Value, quantity);

    private static UnderlyingMarket MarketOf(AssetPrice spot) => new(spot.Index, 0.0, 0.0, spot.AsOf);

    private VolatilitySurface SurfaceOf(string underlying, RiskPrices prices) =>
        prices.Surfaces.TryGetValue(underlying, out var surface) ? surface : VolatilitySurface.Flat(Parameters.FallbackOptionVolatility);

    private PositionRiskLine WithCrossPrices(PositionRiskLine line, decimal crossEquity, decimal crossMaintenance)
    {
        if (line.Size == 0m || Markets.Get(line.Market).Kind == MarketKind.Option)
        {
            return line;
        }

        // Holding every other position and the collateral fixed: equity(p) = E + size·(p − mark). Bankrupt where it
        // is 0; liquidated where it meets maintenance, taking this position's requirement as a fixed fraction f of
        // its notional (exact inside one tier; across tiers an approximation).
        var bankruptcy = line.MarkPrice - crossEquity / line.Size;
        var notional = Math.Abs(line.Size) * line.MarkPrice;
        var fraction = notional > 0m ? line.MaintenanceRequirement / notional : 0m;
        var otherMaintenance = crossMaintenance - line.MaintenanceRequirement;
        var denominator = line.Size - Math.Abs(line.Size) * fraction;
        decimal? liquidation = denominator == 0m ? null : (otherMaintenance - crossEquity + line.Size * line.MarkPrice) / denominator;
        return line with { BankruptcyPrice = Positive(bankruptcy), LiquidationPrice = liquidation is { } l ? Positive(l) : null };
    }

    private PositionRiskLine WithIsolatedPrices(PositionRiskLine line, SubAccount sub)
    {
        var position = sub.Positions[line.Market];
        return WithCrossPrices(line, position.IsolatedCollateral + position.Size * line.MarkPrice - position.Cost, line.MaintenanceRequirement);
    }

    private static decimal? Positive(decimal price) => price > 0m ? Math.Round(price, Position.EntryDecimals, MidpointRounding.ToEven) : null;
}
