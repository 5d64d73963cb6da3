using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Primitives.Markets;

namespace Clearing.Margin.Domain.Stress;

/// <summary>A margin unit to stress: a sub-account by its full id.</summary>
public sealed record StressMember(string AccountId, SubAccount Sub);

/// <summary>
/// One sub-account before and after the shock. <see cref="LossBeyondCollateral"/> is what the clearing house would
/// lose if it defaulted at the stressed prices: the cross unit's negative equity plus each isolated position's
/// negative equity (an isolated loss stops at its pin, and cross collateral does not cover it).
/// </summary>
public sealed record AccountStress(string AccountId, decimal EquityBefore, decimal EquityAfter, decimal LossBeyondCollateral, HealthBand BandAfter);

/// <summary>
/// Whether the default resources (insurance fund, and the vault when there is one, both valued at the stressed prices)
/// cover the losses: all of them, and "Cover 2" (the two largest losses defaulting at once, the CPMI-IOSCO standard
/// for systemically important CCPs).
/// </summary>
public sealed record CoverResult(
    decimal TotalLoss,
    decimal Resources,
    decimal Uncovered,
    IReadOnlyList<string> Cover2Accounts,
    decimal Cover2Loss,
    decimal Cover2Uncovered)
{
    /// <summary>The default resources' own negative equity at the stressed prices (a fund whose taken-over positions
    /// lose more than it holds): a loss nobody else covers, added to both the total and Cover 2.</summary>
    public decimal SystemDeficit { get; init; }

    public bool Covered => Uncovered == 0m;

    public bool Cover2Covered => Cover2Uncovered == 0m;
}

public sealed record StressResult(
    StressScenario Scenario,
    RiskPrices Before,
    RiskPrices After,
    IReadOnlyList<AccountStress> Accounts,
    decimal InsuranceFundAfter,
    decimal VaultAfter,
    CoverResult Cover)
{
    /// <summary>The insurance fund's own stressed equity, negative when the positions it took over lose more than it
    /// holds (it then counts as no resource, and this says by how much it is itself under water).</summary>
    public decimal InsuranceFundEquity { get; init; }

    public decimal VaultEquity { get; init; }
}

/// <summary>
/// Revalues every account under a <see cref="StressScenario"/> with margin's own <see cref="RiskCalculator"/> (the same
/// haircuts, marks and option model the live service uses), so a stress loss and a live equity are the same number at
/// the same prices. Pure: prices and accounts come in, figures go out.
/// </summary>
public sealed class StressTest(RiskCalculator risk)
{
    public RiskCalculator Risk { get; } = risk;

    /// <summary>
    /// The stressed prices: every priced asset's index and every linear market's mark move by the asset's fraction
    /// (fixed-price collateral and quote assets do not move); implied volatility surfaces scale by (1 + shift), and an
    /// underlying with option markets but no surface gets the fallback volatility scaled the same way.
    /// </summary>
    /// <exception cref="ArgumentException">A volatility shift makes a surface impossible (named in the message).</exception>
    public RiskPrices Shock(RiskPrices prices, StressScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(scenario);
        var markets = Risk.Markets;
        var quotes = markets.All.Select(m => m.QuoteAsset).ToHashSet(StringComparer.Ordinal);
        var shocked = prices;
        foreach (var (asset, price) in prices.Assets)
        {
            if (quotes.Contains(asset) || (Risk.Parameters.Collateral.TryGetValue(asset, out var terms) && terms.FixedPrice is not null))
            {
                continue;
            }

            shocked = shocked with { Assets = shocked.Assets.SetItem(asset, price with { Index = price.Index * (1m + scenario.MoveOf(asset)) }) };
        }

        foreach (var (symbol, mark) in prices.Marks)
        {
            if (markets.TryGet(symbol, out var market) && market.Kind != MarketKind.Option)
            {
                shocked = shocked.WithMark(symbol, mark * (1m + scenario.MoveOf(market.Underlying)));
            }
        }

        foreach (var underlying in markets.All.Where(m => m.Kind == MarketKind.Option).Select(m => m.Underlying).Distinct(StringComparer.Ordinal))
        {
            var shift = scenario.VolShiftOf(underlying);
            if (shift == 0m)
            {
                continue;
            }

            var scale = 1.0 + (double)shift;
            var surface = prices.Surfaces.TryGetValue(underlying, out var known)
                ? Scale(known, scale * scale, underlying)
                : VolatilitySurface.Flat(Risk.Parameters.FallbackOptionVolatility * scale);
            shocked = shocked.WithSurface(underlying, surface);
        }

        return shocked;
    }

    /// <summary>Total variance × <paramref name="factor"/> on every slice (SVI: a and b scale, the smile's shape stays).</summary>
    private static VolatilitySurface Scale(VolatilitySurface surface, double factor, string underlying)
    {
        try
        {
            return new VolatilitySurface(surface.Slices.Select(s => new SviSlice(s.Years, s.A * factor, s.B * factor, s.Rho, s.M, s.Sigma)));
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"the volatility shift on {underlying} makes its surface impossible: {ex.Message}", nameof(surface), ex);
        }
    }

    public AccountStress Evaluate(StressMember member, RiskPrices before, RiskPrices after)
    {
        var was = Risk.Evaluate(member.AccountId, member.Sub, before);
        var now = Risk.Evaluate(member.AccountId, member.Sub, after);
        return new AccountStress(member.AccountId, was.Equity, now.Equity, LossBeyondCollateral(now), now.Band);
    }

    /// <summary>The negative equity of each margin unit (cross, and every isolated position), as a positive loss.</summary>
    public static decimal LossBeyondCollateral(AccountRiskSnapshot snapshot)
    {
        var isolated = snapshot.Positions.Where(p => p.Isolated).Select(p => p.IsolatedCollateral + p.UnrealizedPnl).ToList();
        var cross = snapshot.Equity - isolated.Sum();
        return Math.Max(0m, -cross) + isolated.Sum(unit => Math.Max(0m, -unit));
    }

    /// <summary>
    /// Stresses <paramref name="members"/> (trading sub-accounts; listed largest loss first, then largest equity drop) and values the default resources at the same stressed
    /// prices: the insurance fund's and the vault's sub-accounts count for their positive stressed equity.
    /// </summary>
    public StressResult Run(StressScenario scenario, RiskPrices prices, IEnumerable<StressMember> members,
        IEnumerable<StressMember> insuranceFund, IEnumerable<StressMember> vault)
    {
        var after = Shock(prices, scenario);
        var accounts = members.Select(m => Evaluate(m, prices, after))
            .OrderByDescending(a => a.LossBeyondCollateral).ThenBy(a => a.EquityAfter - a.EquityBefore).ThenBy(a => a.AccountId, StringComparer.Ordinal).ToList();
        var fundEquity = insuranceFund.Sum(m => Risk.Evaluate(m.AccountId, m.Sub, after).Equity);
        var vaultEquity = vault.Sum(m => Risk.Evaluate(m.AccountId, m.Sub, after).Equity);
        var fund = Math.Max(0m, fundEquity);
        var vaultAfter = Math.Max(0m, vaultEquity);
        return new StressResult(scenario, prices, after, accounts, fund, vaultAfter,
            Cover(accounts.Select(a => (a.AccountId, a.LossBeyondCollateral)), fund + vaultAfter, Math.Max(0m, -fundEquity) + Math.Max(0m, -vaultEquity)))
        {
            InsuranceFundEquity = fundEquity,
            VaultEquity = vaultEquity,
        };
    }

    /// <summary>Total and Cover 2 uncovered losses against <paramref name="resources"/>, with the resources' own
    /// <paramref name="systemDeficit"/> (if any) uncovered in both.</summary>
    public static CoverResult Cover(IEnumerable<(string AccountId, decimal Loss)> losses, decimal resources, decimal systemDeficit = 0m)
    {
        if (systemDeficit < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(systemDeficit), systemDeficit, "a deficit is a positive loss.");
        }

        ArgumentNullException.ThrowIfNull(losses);
        if (resources < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(resources), resources, "default resources cannot be negative.");
        }

        var positive = losses.Where(l => l.Loss > 0m).OrderByDescending(l => l.Loss).ThenBy(l => l.AccountId, StringComparer.Ordinal).ToList();
        var total = positive.Sum(l => l.Loss);
        var largest = positive.Take(2).ToList();
        var cover2 = largest.Sum(l => l.Loss);
        return new CoverResult(total, resources, Math.Max(0m, total + systemDeficit - resources), largest.Select(l => l.AccountId).ToList(), cover2,
            Math.Max(0m, cover2 + systemDeficit - resources))
        {
            SystemDeficit = systemDeficit,
        };
    }
}
