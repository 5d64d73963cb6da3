using Clearing.Matching.Domain.Instruments;
using Clearing.Primitives.Markets;

namespace Clearing.Matching.Application;

/// <summary>One "Matching:FeeTiers" entry: a named tier's maker/taker rates (fractions of notional; negative maker = rebate).</summary>
public sealed class FeeTierOptions
{
    public string Name { get; set; } = "";

    /// <summary>The tier's rates on every market not listed in <see cref="Markets"/>; null = that market's own catalog rate.</summary>
    public decimal? MakerFee { get; set; }

    public decimal? TakerFee { get; set; }

    /// <summary>Per-market rates of this tier (symbol → rates), overriding the tier-wide ones.</summary>
    public Dictionary<string, FeeRateOptions> Markets { get; set; } = new(StringComparer.Ordinal);
}

public sealed class FeeRateOptions
{
    public decimal MakerFee { get; set; }

    public decimal TakerFee { get; set; }
}

/// <summary>
/// Account fee tiers: tier 0 is "default" (each market's catalog MakerFee/TakerFee, or governance's once a registry
/// version is in force for the market: <see cref="MarketBook"/>), tiers 1..n come from
/// Matching:FeeTiers in order, and Matching:AccountTiers maps an account to a tier name. A rate is resolved per market:
/// the tier's entry for that market, else the tier-wide rate, else the market's catalog rate.
/// </summary>
public sealed class FeeSchedule
{
    public const string DefaultTier = "default";
    private const decimal Millionths = 1_000_000m;

    private readonly Dictionary<string, int> _tierIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _accountTiers;

    public FeeSchedule(IReadOnlyList<FeeTierOptions> tiers, IReadOnlyDictionary<string, string> accountTiers, MarketCatalog catalog)
    {
        Tiers = [new FeeTierOptions { Name = DefaultTier }, .. tiers];
        for (var i = 0; i < Tiers.Count; i++)
        {
            var name = Tiers[i].Name;
            if (string.IsNullOrWhiteSpace(name) || !_tierIndex.TryAdd(name, i))
            {
                throw new ArgumentException($"Matching:FeeTiers:{i - 1}: tier name '{name}' is empty, repeated or the reserved '{DefaultTier}'");
            }
            foreach (var market in Tiers[i].Markets.Keys)
            {
                if (!catalog.TryGet(market, out _))
                {
                    throw new ArgumentException($"Matching:FeeTiers:{i - 1} ({name}): unknown market '{market}'");
                }
            }
        }
        foreach (var (account, tier) in accountTiers)
        {
            if (!_tierIndex.ContainsKey(tier))
            {
                throw new ArgumentException($"Matching:AccountTiers:{account}: unknown fee tier '{tier}' (known: {string.Join(", ", _tierIndex.Keys)})");
            }
        }
        _accountTiers = new Dictionary<string, string>(accountTiers, StringComparer.Ordinal);
        foreach (var market in catalog.All)
        {
            // Fails at start-up, naming the market and tier, when a rate is not a whole millionth.
            RatesFor(market);
        }
    }

    public IReadOnlyList<FeeTierOptions> Tiers { get; }

    /// <summary>The tier an account trades at (null for the default tier, which is not stored with the input).</summary>
    public string? TierOf(string account) => _accountTiers.TryGetValue(account, out var tier) && tier != DefaultTier ? tier : null;

    /// <summary>Index of a tier name as the engine knows it; a name no tier has any more is an error naming it.</summary>
    public int IndexOf(string? tier) =>
        tier is null ? 0
        : _tierIndex.TryGetValue(tier, out var index) ? index
        : throw new InvalidOperationException($"fee tier '{tier}' is named by a stored input but not configured in Matching:FeeTiers; keep tiers that stored inputs use");

    public string NameOf(int index) => Tiers[index].Name;

    /// <summary>One rate per tier for this market, in engine millionths.</summary>
    public FeeRate[] RatesFor(MarketDefinition market) => RatesFor(market, market.MakerFee, market.TakerFee);

    /// <summary>
    /// One rate per tier for this market when the "default" tier charges <paramref name="defaultMaker"/> /
    /// <paramref name="defaultTaker"/> (the catalog's rates, or governance's): named tiers keep their configured rates, and
    /// a rate a tier leaves unset follows the default tier.
    /// </summary>
    public FeeRate[] RatesFor(MarketDefinition market, decimal defaultMaker, decimal defaultTaker)
    {
        var rates = new FeeRate[Tiers.Count];
        for (var i = 0; i < Tiers.Count; i++)
        {
            var tier = Tiers[i];
            var (maker, taker) = tier.Markets.TryGetValue(market.Symbol, out var specific)
                ? (specific.MakerFee, specific.TakerFee)
                : (tier.MakerFee ?? defaultMaker, tier.TakerFee ?? defaultTaker);
            rates[i] = new FeeRate(Whole(maker, market, tier.Name), Whole(taker, market, tier.Name));
        }
        return rates;
    }

    private static int Whole(decimal rate, MarketDefinition market, string tier)
    {
        var millionths = rate * Millionths;
        if (millionths % 1 != 0 || Math.Abs(millionths) > 100_000)
        {
            throw new ArgumentException($"market '{market.Symbol}', fee tier '{tier}': rate {rate} must be a whole millionth of notional and at most 10%");
        }
        return decimal.ToInt32(millionths);
    }
}

/// <summary>What every book of a catalog is built with: the options, the fee tiers and the market-maker protection rules.</summary>
public sealed record BookSettings(MatchingOptions Options, FeeSchedule Fees, IReadOnlyDictionary<(string Underlying, string Account), ProtectionRule> Protection)
{
    public static BookSettings For(MarketCatalog catalog, MatchingOptions options) =>
        new(options, new FeeSchedule(options.FeeTiers, options.AccountTiers, catalog), ProtectionRule.From(options.Protection, catalog));
}
