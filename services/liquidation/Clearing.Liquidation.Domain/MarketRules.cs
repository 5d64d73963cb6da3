namespace Clearing.Liquidation.Domain;

/// <summary>
/// How liquidation treats one market. Defaults and their sources (shared/REFERENCE.md, "Liquidation"):
/// <list type="bullet">
/// <item>Slices of 20% with a 30 s cooldown above $100k notional: Hyperliquid's rule for large positions.</item>
/// <item>Liquidation fee 1% of the closed notional, never more than the room between fill and bankruptcy price:
/// dYdX caps its fee at 0.5–1.5%, and a fee that pushed the account past bankruptcy would be paid by the fund.</item>
/// <item>Full liquidation below ⅔ of maintenance (health &lt; 0.6667): Hyperliquid's backstop threshold.</item>
/// <item>Insurance payout cap per market and window: Drift's per-market tiers ($100M / $1M / $100k / $0) after the
/// Mango and JELLY incidents, where a thin, pumped market drained the shared fund.</item>
/// <item>Open-interest cap per market and a per-slice share of open interest: dYdX's per-block share cap and
/// Hyperliquid's post-JELLY open-interest caps.</item>
/// </list>
/// </summary>
public sealed record MarketRules
{
    public required string Market { get; init; }

    public required decimal TickSize { get; init; }

    public required decimal LotSize { get; init; }

    /// <summary>How far from the mark a liquidation order may reach for liquidity (the bankruptcy price still bounds it).</summary>
    public decimal MaxSlippage { get; init; } = 0.02m;

    /// <summary>A position whose notional at mark exceeds this is liquidated in slices with a cooldown.</summary>
    public decimal LargePositionNotional { get; init; } = 100_000m;

    /// <summary>Share of the position (at the start) one slice may close, for large positions.</summary>
    public decimal SliceFraction { get; init; } = 0.2m;

    /// <summary>Share of the market's open interest one slice may close.</summary>
    public decimal MaxSliceShareOfOpenInterest { get; init; } = 0.1m;

    public TimeSpan SliceCooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An IOC slice with no answer from matching after this long counts as "the book did not absorb it".</summary>
    public TimeSpan SliceResponseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Slices that came back with an unfilled remainder before the fund takes over (1 when the account is bankrupt).</summary>
    public int BookAttemptsBeforeFund { get; init; } = 2;

    public decimal LiquidationFeeRate { get; init; } = 0.01m;

    /// <summary>Extra reduction on top of what restores initial margin, so the account does not re-enter liquidation at once.</summary>
    public decimal RestoreBuffer { get; init; } = 0.1m;

    /// <summary>Below this health (equity / maintenance) the whole position is closed, not a part.</summary>
    public decimal FullLiquidationHealth { get; init; } = 0.6667m;

    /// <summary>Most the insurance fund pays out for this market within <see cref="PayoutCapWindow"/>; 0 means never.</summary>
    public decimal FundPayoutCap { get; init; } = 1_000_000m;

    public TimeSpan PayoutCapWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Open interest (sum of long sizes) above which new exposure is refused; 0 disables the cap.</summary>
    public decimal OpenInterestCap { get; init; }

    /// <summary>The refusal lifts when open interest falls back below this share of the cap (hysteresis, so it does not flap).</summary>
    public decimal OpenInterestResumeShare { get; init; } = 0.95m;

    /// <summary>The problems with these rules, each naming its field.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Require(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add($"{Market}: {problem}");
            }
        }

        Require(!string.IsNullOrWhiteSpace(Market), "Market is required");
        Require(TickSize > 0, "TickSize must be > 0");
        Require(LotSize > 0, "LotSize must be > 0");
        Require(MaxSlippage is >= 0 and < 1, "MaxSlippage must be in [0, 1)");
        Require(LargePositionNotional >= 0, "LargePositionNotional must be >= 0");
        Require(SliceFraction is > 0 and <= 1, "SliceFraction must be in (0, 1]");
        Require(MaxSliceShareOfOpenInterest is > 0 and <= 1, "MaxSliceShareOfOpenInterest must be in (0, 1]");
        Require(SliceCooldown >= TimeSpan.Zero, "SliceCooldown must not be negative");
        Require(SliceResponseTimeout > TimeSpan.Zero, "SliceResponseTimeout must be positive");
        Require(BookAttemptsBeforeFund >= 1, "BookAttemptsBeforeFund must be >= 1");
        Require(LiquidationFeeRate is >= 0 and < 1, "LiquidationFeeRate must be in [0, 1)");
        Require(RestoreBuffer is >= 0 and <= 1, "RestoreBuffer must be in [0, 1]");
        Require(FullLiquidationHealth is >= 0 and <= 1, "FullLiquidationHealth must be in [0, 1]");
        Require(FundPayoutCap >= 0, "FundPayoutCap must be >= 0");
        Require(PayoutCapWindow > TimeSpan.Zero && PayoutCapWindow <= Fund.InsuranceFund.MaxWindow, "PayoutCapWindow must be positive and at most 7 days");
        Require(OpenInterestCap >= 0, "OpenInterestCap must be >= 0");
        Require(OpenInterestResumeShare is > 0 and <= 1, "OpenInterestResumeShare must be in (0, 1]");
        return problems;
    }

    /// <summary>Rounds a quantity to whole lots, up or down.</summary>
    public decimal Lots(decimal quantity, bool up)
    {
        var lots = quantity / LotSize;
        return (up ? Math.Ceiling(lots) : Math.Floor(lots)) * LotSize;
    }

    /// <summary>Rounds a price to the tick grid, up or down.</summary>
    public decimal Ticks(decimal price, bool up)
    {
        var ticks = price / TickSize;
        return (up ? Math.Ceiling(ticks) : Math.Floor(ticks)) * TickSize;
    }
}

/// <summary>
/// Insurance-fund payout caps across all markets, on top of each market's <see cref="MarketRules.FundPayoutCap"/>: at
/// most <see cref="MaxPayoutPerEvent"/> for one takeover (one liquidation's part in one market) and at most
/// <see cref="MaxPayoutPerDay"/> within any 24 h (<see cref="DayWindow"/>) for all markets together (governance set
/// "insurance", after Drift's capped insurance payouts). Null: no such cap. What the fund cannot pay within them goes on
/// to ADL.
/// </summary>
public sealed record FundPayoutLimits(decimal? MaxPayoutPerEvent, decimal? MaxPayoutPerDay)
{
    public static readonly TimeSpan DayWindow = TimeSpan.FromHours(24);

    public static FundPayoutLimits None { get; } = new(null, null);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxPayoutPerEvent < 0)
        {
            problems.Add("MaxPayoutPerEvent must be >= 0");
        }

        if (MaxPayoutPerDay < 0)
        {
            problems.Add("MaxPayoutPerDay must be >= 0");
        }

        return problems;
    }
}

/// <summary>Rules for every market liquidation may see; unknown markets are refused by name.</summary>
public sealed class LiquidationRules
{
    private readonly Dictionary<string, MarketRules> _markets;

    public LiquidationRules(IEnumerable<MarketRules> markets, FundPayoutLimits? fundLimits = null)
    {
        FundLimits = fundLimits ?? FundPayoutLimits.None;
        if (FundLimits.Validate() is { Count: > 0 } limitProblems)
        {
            throw new ArgumentException("Invalid insurance fund limits: " + string.Join("; ", limitProblems), nameof(fundLimits));
        }

        _markets = new Dictionary<string, MarketRules>(StringComparer.Ordinal);
        foreach (var rules in markets)
        {
            var problems = rules.Validate();
            if (problems.Count > 0)
            {
                throw new ArgumentException("Invalid liquidation rules: " + string.Join("; ", problems), nameof(markets));
            }

            _markets[rules.Market] = rules;
        }
    }

    public IReadOnlyCollection<MarketRules> All => _markets.Values;

    /// <summary>Payout caps of the insurance fund across markets.</summary>
    public FundPayoutLimits FundLimits { get; }

    /// <summary>
    /// These rules with the insurance set's values (governance): one liquidation fee rate for every market and the fund's
    /// per-event and per-day payout caps; every other field keeps its value.
    /// </summary>
    public LiquidationRules WithInsurance(decimal liquidationFeeRate, FundPayoutLimits fundLimits) =>
        new(_markets.Values.Select(r => r with { LiquidationFeeRate = liquidationFeeRate }), fundLimits);

    public MarketRules For(string market) =>
        _markets.TryGetValue(market, out var rules)
            ? rules
            : throw new UnknownMarketException($"No liquidation rules for market '{market}'; known markets: {string.Join(", ", _markets.Keys.Order(StringComparer.Ordinal))}.");
}

public sealed class UnknownMarketException(string message) : Exception(message);
