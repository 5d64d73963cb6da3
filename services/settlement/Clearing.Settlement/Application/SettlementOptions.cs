using System.ComponentModel.DataAnnotations;
using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Expiry;
using Clearing.Settlement.Domain.Fees;

namespace Clearing.Settlement.Application;

/// <summary>The "Settlement" section. Every value has a documented default; invalid values stop start-up naming the key.</summary>
public sealed class SettlementOptions : IValidatableObject
{
    public const string Section = "Settlement";

    public ExpiryOptions Expiry { get; set; } = new();

    public EpochOptions Epochs { get; set; } = new();

    public FeeOptions Fees { get; set; } = new();

    /// <summary>How often the clock checks for due fixings and epoch closes. Time enters the domain as this tick's value.</summary>
    public TimeSpan TimerInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TimerInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:TimerInterval must be longer than zero");
        }

        foreach (var problem in Expiry.ToSettings().Validate())
        {
            yield return new ValidationResult($"{Section}:Expiry: {problem}");
        }

        if (Expiry.Grace < TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:Expiry:Grace must not be negative");
        }

        if (Expiry.OracleSilence <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:Expiry:OracleSilence must be longer than zero");
        }

        if (Epochs.Length <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:Epochs:Length must be longer than zero");
        }
        else if (Epochs.Boundary < TimeSpan.Zero || Epochs.Boundary >= Epochs.Length)
        {
            yield return new ValidationResult($"{Section}:Epochs:Boundary must lie within one epoch length");
        }

        if (Epochs.StatementShards is < 1 or > 4096)
        {
            yield return new ValidationResult($"{Section}:Epochs:StatementShards must be 1..4096");
        }

        if (!string.IsNullOrEmpty(Epochs.SaltSecret) && (Epochs.SaltSecret.Length < 32 || !Epochs.SaltSecret.All(Uri.IsHexDigit) || Epochs.SaltSecret.Length % 2 != 0))
        {
            yield return new ValidationResult($"{Section}:Epochs:SaltSecret must be hex of at least 16 bytes (32 hex digits)");
        }

        foreach (var problem in FeeSchedule.Validate(Fees.TierList()))
        {
            yield return new ValidationResult($"{Section}:Fees:Tiers: {problem}");
        }

        foreach (var problem in FeeDistributionPolicy.Validate(Fees.ShareList(), Fees.Decimals))
        {
            yield return new ValidationResult($"{Section}:Fees:Shares: {problem}");
        }

        foreach (var problem in Fees.ToLiquidationPolicy().Validate())
        {
            yield return new ValidationResult($"{Section}:Fees: {problem}");
        }
    }
}

public sealed class ExpiryOptions
{
    /// <summary>TWAP window before expiry: 30 minutes, as Deribit (REFERENCE.md); see TwapSettings.Default for why.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A sample stands for at most this long (ten of Deribit's 6 s samples).</summary>
    public TimeSpan MaxSampleAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Least fraction of the window covered by fresh OK samples for a fixing.</summary>
    public decimal MinCoverage { get; set; } = 0.5m;

    /// <summary>
    /// The fixing runs at the first index update (in the price topic's order) stamped at or after expiry plus this: by
    /// then every update stamped before expiry has been consumed, however far behind settlement's consumer is.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// If no such update has arrived this long after expiry plus grace by the clock (the oracle is down, or the price
    /// topic is stuck), the fixing runs on the observations held and the TWAP's coverage rule decides whether they are
    /// enough. Long, because fixing on a lagging consumer's partial window is the failure this guards against.
    /// </summary>
    public TimeSpan OracleSilence { get; set; } = TimeSpan.FromMinutes(2);

    public TwapSettings ToSettings() => new(Window.Ticks * 100, MaxSampleAge.Ticks * 100, MinCoverage);
}

public sealed class EpochOptions
{
    /// <summary>Daily by default.</summary>
    public TimeSpan Length { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Offset of the boundary from midnight UTC: 08:00, Deribit's daily settlement hour (REFERENCE.md).</summary>
    public TimeSpan Boundary { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Where statements go, one sub-directory per epoch; default {Clearing:DataDirectory}/settlement/statements.</summary>
    public string? StatementDirectory { get; set; }

    public int StatementShards { get; set; } = 16;

    /// <summary>
    /// Hex secret from which each account's per-epoch salt is derived. Unset: one is generated at first start and kept
    /// in the service's own store (stream "salt-secret"), so salts survive restarts and replays give the same trees.
    /// </summary>
    public string? SaltSecret { get; set; }

    public EpochSchedule ToSchedule() => EpochSchedule.From(Length, Boundary);
}

public sealed class FeeOptions
{
    /// <summary>The tier schedule; empty means FeeSchedule.Default (dYdX's published range, see FeeSchedule).</summary>
    public List<FeeTier> Tiers { get; set; } = [];

    /// <summary>Fee-pool shares at epoch end; empty means FeeDistributionPolicy.Default (50% insurance fund, 30% treasury, 20% vault-hlp).</summary>
    public List<FeeShare> Shares { get; set; } = [];

    public int Decimals { get; set; } = 8;

    /// <summary>Share of liquidation fees paid out of the insurance fund at epoch end (LiquidationFeeSharePolicy; 0 turns it off).</summary>
    public decimal LiquidationShare { get; set; } = LiquidationFeeSharePolicy.Default.Fraction;

    /// <summary>Who the liquidation-fee share is paid to: the LP vault's trading account.</summary>
    public string LiquidationShareAccount { get; set; } = LiquidationFeeSharePolicy.Default.AccountId;

    public LiquidationFeeSharePolicy ToLiquidationPolicy() => new(LiquidationShareAccount, LiquidationShare, Decimals);

    public IReadOnlyList<FeeTier> TierList() => Tiers.Count == 0 ? FeeSchedule.Default.Tiers : Tiers;

    public IReadOnlyList<FeeShare> ShareList() => Shares.Count == 0 ? FeeDistributionPolicy.Default.Shares : Shares;

    public FeeDistributionPolicy ToPolicy() => new(ShareList(), Decimals);
}
