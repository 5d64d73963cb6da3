using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using NSec.Cryptography;

namespace Clearing.OrderGateway.Domain.Rules;

/// <summary>Limits on the replay guard and the rate limiter.</summary>
public sealed record GateParameters
{
    /// <summary>How far ahead an expiry may lie: bounds how long a nonce must be remembered.</summary>
    public long MaxExpiryHorizonNanos { get; init; } = 5L * 60 * 1_000_000_000;

    public int RateLimitBurst { get; init; } = 50;

    public int RateLimitPerSecond { get; init; } = 20;

    /// <summary>How long an accepted client order id is remembered for idempotent retries; at least <see cref="MaxExpiryHorizonNanos"/>.</summary>
    public long OrderIdRetentionNanos { get; init; } = 15L * 60 * 1_000_000_000;
}

/// <summary>The gate's verdict on one command.</summary>
public abstract record GateOutcome
{
    /// <summary>Passed every rule: store it with <see cref="CommandId"/> and publish it.</summary>
    public sealed record Accept(string CommandId, string ContentHash) : GateOutcome;

    /// <summary>A repeat of an order already accepted with the same content: answer with the first result, store nothing.</summary>
    public sealed record Duplicate(AcceptedOrder Original) : GateOutcome;

    public sealed record Refuse(Refusal Refusal) : GateOutcome;
}

/// <summary>
/// The gateway's decision for one order command, in a fixed order: shape, proof (signature or session MAC), client
/// order id idempotency, expiry, nonce, session limits, rate limit, market rules, margin. Pure except that it moves
/// the account's token bucket (an input it owns). Only the proof is checked before idempotency, so an unauthenticated
/// request learns nothing about the account's orders.
/// </summary>
public static class OrderGate
{
    public static GateOutcome Evaluate(
        AccountLedger ledger,
        GatewayCommand command,
        OrderProof proof,
        PublicKey? registeredKey,
        MarketContext? market,
        MarginSnapshot? margin,
        PreTradeParameters preTrade,
        GateParameters gate,
        long nowUnixNanos)
    {
        if (CommandShape.Validate(command) is { } shape)
        {
            return new GateOutcome.Refuse(shape);
        }

        string contentHash;
        using (var signed = CanonicalOrderEncoding.EncodeSigned(command, stackalloc byte[CanonicalOrderEncoding.ScratchBytes]))
        {
            var proofRefusal = proof switch
            {
                AccountSignatureProof signature => ProofVerifier.VerifyAccountSignature(registeredKey, command.AccountId, signature, signed.Bytes),
                SessionMacProof mac => ProofVerifier.VerifySessionMac(ledger, mac, signed.Bytes, nowUnixNanos),
                _ => Rule.Refuse(Rule.Malformed, "auth must carry an account_signature or a session MAC"),
            };
            if (proofRefusal is not null)
            {
                return new GateOutcome.Refuse(proofRefusal);
            }

            contentHash = signed.ContentHash();
        }

        ledger.PruneOrders(nowUnixNanos, gate.OrderIdRetentionNanos);
        if (command.Kind == CommandKind.Place && ledger.Orders.TryGetValue(command.OrderId, out var earlier))
        {
            return earlier.ContentHash == contentHash
                ? new GateOutcome.Duplicate(earlier)
                : new GateOutcome.Refuse(Rule.Refuse(Rule.OrderIdConflict,
                    $"order id '{command.OrderId}' was already used by account '{command.AccountId}' for a different order"));
        }

        if (ReplayGuard(ledger, command.Nonce, command.ExpiresAtUnixNanos, gate, nowUnixNanos) is { } replay)
        {
            return new GateOutcome.Refuse(replay);
        }

        if (proof is SessionMacProof session && SessionLimits(ledger.Sessions[session.SessionId].Grant, command) is { } limit)
        {
            return new GateOutcome.Refuse(limit);
        }

        if (TakeToken(ledger, gate, nowUnixNanos) is { } rate)
        {
            return new GateOutcome.Refuse(rate);
        }

        if (market is null)
        {
            return new GateOutcome.Refuse(Rule.Refuse(Rule.UnknownMarket, $"market '{command.Market}' is not traded here"));
        }

        if (PreTradeChecks.Check(command, market, margin, preTrade) is { } check)
        {
            return new GateOutcome.Refuse(check);
        }

        return new GateOutcome.Accept(CommandIdFor(command.AccountId, command.Nonce), contentHash);
    }

    /// <summary>
    /// Expired, too far ahead, or a nonce already used. Shared by order commands and session grants/revocations.
    /// Expiry is checked before the nonce, which is what lets the ledger forget nonces of expired commands.
    /// </summary>
    public static Refusal? ReplayGuard(AccountLedger ledger, string nonce, long expiresAtUnixNanos, GateParameters gate, long nowUnixNanos)
    {
        if (expiresAtUnixNanos <= nowUnixNanos)
        {
            return Rule.Refuse(Rule.Expired, $"the command expired {(nowUnixNanos - expiresAtUnixNanos) / 1_000_000} ms ago");
        }

        if (expiresAtUnixNanos - nowUnixNanos > gate.MaxExpiryHorizonNanos)
        {
            return Rule.Refuse(Rule.ExpiryTooFar, $"expires_at may be at most {gate.MaxExpiryHorizonNanos / 1_000_000_000} s ahead");
        }

        ledger.PruneNonces(nowUnixNanos);
        return ledger.HasUsed(nonce)
            ? Rule.Refuse(Rule.ReplayedNonce, $"nonce '{nonce}' was already used by account '{ledger.AccountId}'")
            : null;
    }

    /// <summary>
    /// A stable, unique id per accepted command: an account never accepts a nonce twice, so (account, nonce) names the
    /// command; a restart or a republish yields the same id, which is what lets matching skip a repeat.
    /// </summary>
    public static string CommandIdFor(string accountId, string nonce) => $"gw:{accountId}:{nonce}";

    private static Refusal? SessionLimits(SessionGrant grant, GatewayCommand command)
    {
        if (!grant.Allows(command.Market))
        {
            return Rule.Refuse(Rule.SessionMarket, $"session '{grant.SessionId}' may not trade {command.Market}");
        }

        if (command.AddsOrders && grant.MaxOrderQuantity is { } max && command.Quantity > max)
        {
            return Rule.Refuse(Rule.SessionMaxSize,
                $"quantity {DecimalText.Format(command.Quantity)} is above session '{grant.SessionId}''s limit {DecimalText.Format(max)}");
        }

        return null;
    }

    private static Refusal? TakeToken(AccountLedger ledger, GateParameters gate, long nowUnixNanos)
    {
        var bucket = ledger.Bucket ?? TokenBucket.Full(gate.RateLimitBurst, gate.RateLimitPerSecond, nowUnixNanos);
        var (taken, after) = bucket.TryTake(nowUnixNanos);
        ledger.Bucket = after;
        return taken
            ? null
            : Rule.Refuse(Rule.RateLimit, $"account '{ledger.AccountId}' is over {gate.RateLimitPerSecond} commands/s (burst {gate.RateLimitBurst})");
    }
}
