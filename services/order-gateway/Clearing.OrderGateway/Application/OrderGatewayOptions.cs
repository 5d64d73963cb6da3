using System.ComponentModel.DataAnnotations;
using Clearing.OrderGateway.Domain.Rules;

namespace Clearing.OrderGateway.Application;

/// <summary>
/// "OrderGateway": the replay window, the per-account rate limit, session limits and the margin pre-screen. Account
/// public keys come from Clearing:Auth:Traders (the shared trader key directory).
/// </summary>
public sealed class OrderGatewayOptions : IValidatableObject
{
    public const string Section = "OrderGateway";

    /// <summary>How far ahead a command's expires_at may lie; nonces are remembered this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "{0} must be between 00:00:01 and 01:00:00")]
    public TimeSpan MaxExpiryHorizon { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long an accepted client order id is remembered: a repeat within it is answered with the first result (same
    /// content) or refused as order-id-conflict; after it the id may name a new order (matching still refuses an id that
    /// is live in its book). Retries come within seconds to minutes; remembering every id forever grew the heap with the
    /// order count. Memory is this window times the account's accepted rate (at most RateLimitPerSecond). It must be at
    /// least MaxExpiryHorizon, so a retry of the same signed command is a duplicate, never a replayed nonce.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "{0} must be between 00:00:01 and 7.00:00:00")]
    public TimeSpan OrderIdRetention { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Commands an account may send at once before the refill rate applies.</summary>
    [Range(1, 100_000, ErrorMessage = "{0} must be 1..100000")]
    public int RateLimitBurst { get; set; } = 50;

    /// <summary>Sustained commands per second per account (Binance/Bybit-style per-account order limits are tens per second).</summary>
    [Range(1, 100_000, ErrorMessage = "{0} must be 1..100000")]
    public int RateLimitPerSecond { get; set; } = 20;

    /// <summary>Longest session a grant may authorize.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00", ErrorMessage = "{0} must be between 00:01:00 and 7.00:00:00")]
    public TimeSpan MaxSessionLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Initial margin fraction the pre-screen applies to an order's added notional: 0.10 is 10× leverage, the
    /// conservative end of the large venues' BTC tiers (REFERENCE.md: Hyperliquid 40× on small BTC notional).
    /// </summary>
    [Range(typeof(decimal), "0.0001", "1", ErrorMessage = "{0} must be in (0, 1]")]
    public decimal DefaultInitialMarginFraction { get; set; } = 0.10m;

    /// <summary>Per-market override of <see cref="DefaultInitialMarginFraction"/>, keyed by market symbol.</summary>
    public Dictionary<string, decimal> InitialMarginFractions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Refuse risk-increasing orders from an account margin has no read model for yet ("no-margin-account").</summary>
    public bool RefuseWithoutMarginAccount { get; set; } = true;

    /// <summary>Load bounds past which new orders are refused with RESOURCE_EXHAUSTED ("backpressure").</summary>
    public GatewayBackpressureOptions Backpressure { get; set; } = new();

    public PreTradeParameters PreTrade() => new()
    {
        DefaultInitialMarginFraction = DefaultInitialMarginFraction,
        InitialMarginFractions = new Dictionary<string, decimal>(InitialMarginFractions, StringComparer.Ordinal),
        RefuseWithoutMarginAccount = RefuseWithoutMarginAccount,
    };

    public GateParameters Gate() => new()
    {
        MaxExpiryHorizonNanos = MaxExpiryHorizon.Ticks * 100,
        RateLimitBurst = RateLimitBurst,
        RateLimitPerSecond = RateLimitPerSecond,
        OrderIdRetentionNanos = OrderIdRetention.Ticks * 100,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OrderIdRetention < MaxExpiryHorizon)
        {
            yield return new ValidationResult(
                $"{Section}:OrderIdRetention ({OrderIdRetention}) must be at least {Section}:MaxExpiryHorizon ({MaxExpiryHorizon}): a retry of a command still inside its expiry must find its order id");
        }

        foreach (var (market, fraction) in InitialMarginFractions.Where(p => p.Value is <= 0 or > 1))
        {
            yield return new ValidationResult($"{Section}:InitialMarginFractions:{market} must be in (0, 1], got {fraction}");
        }

        var nested = new List<ValidationResult>();
        Validator.TryValidateObject(Backpressure, new ValidationContext(Backpressure), nested, validateAllProperties: true);
        foreach (var result in nested)
        {
            yield return new ValidationResult($"{Section}:Backpressure: {result.ErrorMessage}");
        }

        foreach (var problem in Backpressure.Problems())
        {
            yield return new ValidationResult(problem);
        }
    }
}
