using System.ComponentModel.DataAnnotations;
using Clearing.Primitives.Markets;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Domain.Quoting;

namespace Clearing.Vault.Application;

/// <summary>
/// Section "Vault". Accounting defaults are documented on <see cref="VaultRules"/>, quoting defaults on
/// <see cref="QuoteParameters"/>; this section only names the vault, its clock and how it reaches the order gateway.
/// </summary>
public sealed class VaultOptions : IValidatableObject
{
    public const string Section = "Vault";

    public string VaultId { get; set; } = Clearing.Primitives.Accounts.VaultAccounts.DefaultVaultId;

    public string Asset { get; set; } = "USDC";

    public TimeSpan? WithdrawalLockup { get; set; }

    public decimal? MinimumDeposit { get; set; }

    /// <summary>No longer the vault's to decide (settlement's fee policy pays the shares); a value here stops the start with where it went.</summary>
    public decimal? TradingFeeShare { get; set; }

    /// <summary>As <see cref="TradingFeeShare"/>.</summary>
    public decimal? LiquidationFeeShare { get; set; }

    /// <summary>How often due withdrawals are paid and owed fees settled.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "{0} must be between 50 ms and 10 minutes")]
    public TimeSpan ClockInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a NAV point is recorded (the share price history).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "{0} must be between 1 second and 1 day")]
    public TimeSpan NavInterval { get; set; } = TimeSpan.FromMinutes(1);

    public QuotingOptions Quoting { get; set; } = new();

    public VaultRules BuildRules()
    {
        var defaults = new VaultRules { VaultId = VaultId };
        return defaults with
        {
            Asset = Asset,
            WithdrawalLockup = WithdrawalLockup ?? defaults.WithdrawalLockup,
            MinimumDeposit = MinimumDeposit ?? defaults.MinimumDeposit,
        };
    }

    /// <summary>Quote parameters for every perpetual of the catalog (and any market named in Quoting:Markets), with overrides.</summary>
    public IReadOnlyList<QuoteParameters> BuildQuoteParameters(MarketCatalog catalog)
    {
        var markets = catalog.All.Where(m => m.Kind == MarketKind.Perpetual || Quoting.Markets.ContainsKey(m.Symbol));
        if (Quoting.OnlyMarkets.Count > 0)
        {
            markets = markets.Where(m => Quoting.OnlyMarkets.Contains(m.Symbol));
        }

        return [.. markets.Select(m => Quoting.Markets.TryGetValue(m.Symbol, out var o)
            ? o.ApplyTo(new QuoteParameters { Market = m.Symbol, TickSize = m.TickSize, LotSize = m.LotSize })
            : new QuoteParameters { Market = m.Symbol, TickSize = m.TickSize, LotSize = m.LotSize })];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var problem in BuildRules().Validate())
        {
            yield return new ValidationResult($"{Section}:{problem}");
        }

        foreach (var (symbol, overrides) in Quoting.Markets)
        {
            foreach (var problem in overrides.ApplyTo(new QuoteParameters { Market = symbol, TickSize = 1m, LotSize = 1m }).Validate())
            {
                yield return new ValidationResult($"{Section}:Quoting:Markets:{problem}");
            }
        }

        // The share used to be accrued by the vault alone, money margin never held; a deployment still setting it would
        // believe it changes something.
        if (TradingFeeShare is not null)
        {
            yield return new ValidationResult($"{Section}:TradingFeeShare is no longer read: the vault's share of the fee pool is settlement's Settlement:Fees:Shares (the share paid to {VaultRules.AccountIdFor(VaultId)})");
        }

        if (LiquidationFeeShare is not null)
        {
            yield return new ValidationResult($"{Section}:LiquidationFeeShare is no longer read: it is settlement's Settlement:Fees:LiquidationShare (paid to Settlement:Fees:LiquidationShareAccount)");
        }

        var account = VaultRules.AccountIdFor(VaultId);
        if (!string.IsNullOrWhiteSpace(Quoting.AccountId) && Quoting.AccountId != account)
        {
            yield return new ValidationResult(
                $"{Section}:Quoting:AccountId is '{Quoting.AccountId}', but the vault has one account, '{account}' (deposits, payouts, quotes and backstop positions): leave it unset or set it to that");
        }

        if (Quoting.Enabled)
        {

            if (string.IsNullOrWhiteSpace(Quoting.PrivateKey))
            {
                yield return new ValidationResult($"{Section}:Quoting:PrivateKey is required when quoting is enabled (base64 raw Ed25519 private key of the account)");
            }

            if (!Uri.TryCreate(Quoting.GatewayAddress, UriKind.Absolute, out var gateway))
            {
                yield return new ValidationResult($"{Section}:Quoting:GatewayAddress must be an absolute URI of the order gateway, e.g. http://localhost:7101");
            }
            else if (!string.IsNullOrWhiteSpace(Quoting.GatewayCaCertificatePath) && gateway.Scheme != Uri.UriSchemeHttps)
            {
                // A CA only matters over TLS: trusting one for a plain-text address would suggest a protection the channel lacks.
                yield return new ValidationResult($"{Integration.GatewayChannel.CaKey} is set but {Section}:Quoting:GatewayAddress '{Quoting.GatewayAddress}' is not https");
            }
        }

        // A path naming no usable file is a mistake whether or not quoting is on now: say so at start, not at the first quote.
        if (!string.IsNullOrWhiteSpace(Quoting.GatewayCaCertificatePath) && Integration.GatewayChannel.CaProblem(Quoting.GatewayCaCertificatePath, out _) is { } caProblem)
        {
            yield return new ValidationResult(caProblem);
        }
    }
}

public sealed class QuotingOptions
{
    /// <summary>Off by default: a vault with no deposits has nothing to quote with, and the key must be configured.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Optional check: the vault quotes as its one account "vault-{VaultId}" (registered with the gateway like any trader's);
    /// a value here must name that account.
    /// </summary>
    public string AccountId { get; set; } = string.Empty;

    /// <summary>Base64 raw Ed25519 private key of the vault's account (dev keyring format; a Kubernetes Secret in a cluster).</summary>
    public string PrivateKey { get; set; } = string.Empty;

    public string GatewayAddress { get; set; } = "http://localhost:7101";

    /// <summary>
    /// Optional PEM file of a private CA to trust on the channel to the gateway, besides the system store (in Kubernetes
    /// the cert-manager internal CA's ca.crt, mounted from its Secret); empty: the system trust store only.
    /// </summary>
    public string GatewayCaCertificatePath { get; set; } = string.Empty;

    /// <summary>How often quotes are recomputed and the book brought in line (at most this long after a price turns STALE).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "{0} must be between 50 ms and 1 minute")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Quote only these markets (empty: every perpetual).</summary>
    public List<string> OnlyMarkets { get; set; } = [];

    public Dictionary<string, QuoteOverrides> Markets { get; set; } = new(StringComparer.Ordinal);
}

public sealed class QuoteOverrides
{
    public decimal? BaseHalfSpread { get; set; }
    public decimal? VolatilityMultiplier { get; set; }
    public decimal? MaxHalfSpread { get; set; }
    public decimal? InventorySkew { get; set; }
    public decimal? QuoteNotional { get; set; }
    public decimal? MaxNotional { get; set; }
    public decimal? MaxShareOfNav { get; set; }
    public TimeSpan? MaxPriceAge { get; set; }
    public decimal? VolatilityDecay { get; set; }

    public QuoteParameters ApplyTo(QuoteParameters p) => p with
    {
        BaseHalfSpread = BaseHalfSpread ?? p.BaseHalfSpread,
        VolatilityMultiplier = VolatilityMultiplier ?? p.VolatilityMultiplier,
        MaxHalfSpread = MaxHalfSpread ?? p.MaxHalfSpread,
        InventorySkew = InventorySkew ?? p.InventorySkew,
        QuoteNotional = QuoteNotional ?? p.QuoteNotional,
        MaxNotional = MaxNotional ?? p.MaxNotional,
        MaxShareOfNav = MaxShareOfNav ?? p.MaxShareOfNav,
        MaxPriceAge = MaxPriceAge ?? p.MaxPriceAge,
        VolatilityDecay = VolatilityDecay ?? p.VolatilityDecay,
    };
}
