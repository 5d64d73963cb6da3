using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Vault;
using Clearing.Primitives.Markets;

namespace Clearing.Liquidation.Options;

/// <summary>
/// Section "Liquidation". Every catalog market gets <see cref="MarketRules"/> defaults (documented there, with their
/// venue sources); <see cref="Markets"/> overrides them per market symbol.
/// </summary>
public sealed class LiquidationOptions : IValidatableObject
{
    public const string Section = "Liquidation";

    /// <summary>How often the clock checks slice deadlines, cooldowns and backstop decisions.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "{0} must be between 10 ms and 1 minute")]
    public TimeSpan ClockInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Per-market overrides, keyed by market symbol.</summary>
    public Dictionary<string, MarketRuleOverrides> Markets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Most the insurance fund pays for one takeover, across markets; null: only each market's FundPayoutCap bounds it.
    /// The governance set "insurance" (maxPayoutPerEvent) replaces it from its effective time.
    /// </summary>
    public decimal? MaxFundPayoutPerEvent { get; set; }

    /// <summary>Most the insurance fund pays within 24 h for all markets together; null: no such cap (governed: maxPayoutPerDay).</summary>
    public decimal? MaxFundPayoutPerDay { get; set; }

    /// <summary>The LP vault's backstop mandate (section "Liquidation:Vault"); no VaultId: no vault stage.</summary>
    public VaultBackstopOptions Vault { get; set; } = new();

    /// <summary>
    /// Default payout caps by kind (Drift tiers: large caps pay the most, long tails little, some nothing): perpetuals
    /// $1M, dated futures $100k, options $0 (an option book is thin enough to be pushed, and its risk is hedged by margin's
    /// portfolio model). Default open-interest caps: 0 (off) unless configured; BTC-PERP 5,000 and ETH-PERP 100,000.
    /// </summary>
    public static MarketRules DefaultsFor(MarketDefinition market) => new()
    {
        Market = market.Symbol,
        TickSize = market.TickSize,
        LotSize = market.LotSize,
        FundPayoutCap = market.Kind switch
        {
            MarketKind.Perpetual => 1_000_000m,
            MarketKind.Future => 100_000m,
            _ => 0m,
        },
        OpenInterestCap = market.Symbol switch
        {
            "BTC-PERP" => 5_000m,
            "ETH-PERP" => 100_000m,
            _ => 0m,
        },
    };

    public LiquidationRules BuildRules(MarketCatalog catalog)
    {
        var rules = catalog.All.Select(m => Markets.TryGetValue(m.Symbol, out var o) ? o.ApplyTo(DefaultsFor(m)) : DefaultsFor(m));
        return new LiquidationRules(rules, new FundPayoutLimits(MaxFundPayoutPerEvent, MaxFundPayoutPerDay));
    }

    public VaultBackstopRules BuildVaultRules() => Vault.ToRules();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var problem in new FundPayoutLimits(MaxFundPayoutPerEvent, MaxFundPayoutPerDay).Validate())
        {
            yield return new ValidationResult($"{Section}:{problem.Replace("MaxPayout", "MaxFundPayout", StringComparison.Ordinal)}");
        }

        foreach (var problem in Vault.ToRules().Validate())
        {
            yield return new ValidationResult($"{Section}:Vault:{problem}");
        }

        foreach (var (symbol, overrides) in Markets)
        {
            var rules = overrides.ApplyTo(new MarketRules { Market = symbol, TickSize = 1m, LotSize = 1m });
            foreach (var problem in rules.Validate())
            {
                yield return new ValidationResult($"{Section}:Markets:{problem}");
            }
        }
    }
}

/// <summary>Section "Liquidation:Vault": defaults in <see cref="VaultBackstopRules"/>.</summary>
public sealed class VaultBackstopOptions
{
    public string VaultId { get; set; } = string.Empty;
    public decimal? DefaultMarketLossCap { get; set; }
    public Dictionary<string, decimal> MarketLossCaps { get; set; } = new(StringComparer.Ordinal);
    public decimal? DailyLossCap { get; set; }
    public TimeSpan? Window { get; set; }
    public decimal? MaxTakeoverNotional { get; set; }

    public VaultBackstopRules ToRules()
    {
        var defaults = new VaultBackstopRules();
        return defaults with
        {
            VaultId = VaultId ?? string.Empty,
            DefaultMarketLossCap = DefaultMarketLossCap ?? defaults.DefaultMarketLossCap,
            MarketLossCaps = MarketLossCaps.ToImmutableSortedDictionary(StringComparer.Ordinal),
            DailyLossCap = DailyLossCap ?? defaults.DailyLossCap,
            Window = Window ?? defaults.Window,
            MaxTakeoverNotional = MaxTakeoverNotional ?? defaults.MaxTakeoverNotional,
        };
    }
}

/// <summary>Optional per-market values; unset ones keep the default.</summary>
public sealed class MarketRuleOverrides
{
    public decimal? MaxSlippage { get; set; }
    public decimal? LargePositionNotional { get; set; }
    public decimal? SliceFraction { get; set; }
    public decimal? MaxSliceShareOfOpenInterest { get; set; }
    public TimeSpan? SliceCooldown { get; set; }
    public TimeSpan? SliceResponseTimeout { get; set; }
    public int? BookAttemptsBeforeFund { get; set; }
    public decimal? LiquidationFeeRate { get; set; }
    public decimal? RestoreBuffer { get; set; }
    public decimal? FullLiquidationHealth { get; set; }
    public decimal? FundPayoutCap { get; set; }
    public TimeSpan? PayoutCapWindow { get; set; }
    public decimal? OpenInterestCap { get; set; }
    public decimal? OpenInterestResumeShare { get; set; }

    public MarketRules ApplyTo(MarketRules rules) => rules with
    {
        MaxSlippage = MaxSlippage ?? rules.MaxSlippage,
        LargePositionNotional = LargePositionNotional ?? rules.LargePositionNotional,
        SliceFraction = SliceFraction ?? rules.SliceFraction,
        MaxSliceShareOfOpenInterest = MaxSliceShareOfOpenInterest ?? rules.MaxSliceShareOfOpenInterest,
        SliceCooldown = SliceCooldown ?? rules.SliceCooldown,
        SliceResponseTimeout = SliceResponseTimeout ?? rules.SliceResponseTimeout,
        BookAttemptsBeforeFund = BookAttemptsBeforeFund ?? rules.BookAttemptsBeforeFund,
        LiquidationFeeRate = LiquidationFeeRate ?? rules.LiquidationFeeRate,
        RestoreBuffer = RestoreBuffer ?? rules.RestoreBuffer,
        FullLiquidationHealth = FullLiquidationHealth ?? rules.FullLiquidationHealth,
        FundPayoutCap = FundPayoutCap ?? rules.FundPayoutCap,
        PayoutCapWindow = PayoutCapWindow ?? rules.PayoutCapWindow,
        OpenInterestCap = OpenInterestCap ?? rules.OpenInterestCap,
        OpenInterestResumeShare = OpenInterestResumeShare ?? rules.OpenInterestResumeShare,
    };
}
