using System.Security.Cryptography;
using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Domain.Rules;
using NSec.Cryptography;

namespace Clearing.OrderGateway.Domain.Authentication;

/// <summary>
/// Checks a proof against the canonical bytes. Pure computation: the registered key and the account's sessions come
/// in as arguments. Ed25519 costs ≈ 50 µs per verification; the session MAC a microsecond or two, which is the
/// point of session keys for high-rate traders.
/// </summary>
public static class ProofVerifier
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    /// <summary>Null when <paramref name="proof"/> is a valid Ed25519 signature of <paramref name="canonical"/> by <paramref name="registeredKey"/>.</summary>
    public static Refusal? VerifyAccountSignature(PublicKey? registeredKey, string accountId, AccountSignatureProof proof, ReadOnlySpan<byte> canonical)
    {
        if (registeredKey is null)
        {
            return Rule.Refuse(Rule.UnknownAccount, $"account '{accountId}' has no registered key");
        }

        if (proof.PublicKey.Length != 32)
        {
            return Rule.Refuse(Rule.Malformed, $"public_key must be the 32-byte Ed25519 key, got {proof.PublicKey.Length} bytes");
        }

        Span<byte> registered = stackalloc byte[32];
        registeredKey.TryExport(KeyBlobFormat.RawPublicKey, registered, out _);
        if (!CryptographicOperations.FixedTimeEquals(registered, proof.PublicKey))
        {
            return Rule.Refuse(Rule.WrongKey, $"the request was signed with a key that is not the registered key of account '{accountId}'");
        }

        if (proof.Signature.Length != Ed25519.SignatureSize || !Ed25519.Verify(registeredKey, canonical, proof.Signature))
        {
            return Rule.Refuse(Rule.BadSignature, "the signature does not verify over the canonical order bytes with the account key");
        }

        return null;
    }

    /// <summary>
    /// Null when the session exists, is live at <paramref name="nowUnixNanos"/>, and <paramref name="proof"/> is its MAC of
    /// <paramref name="canonical"/>. Limits (markets, size) are checked separately, after the MAC, by <see cref="SessionLimits"/>.
    /// </summary>
    public static Refusal? VerifySessionMac(AccountLedger ledger, SessionMacProof proof, ReadOnlySpan<byte> canonical, long nowUnixNanos)
    {
        if (!ledger.Sessions.TryGetValue(proof.SessionId, out var session))
        {
            return Rule.Refuse(Rule.UnknownSession, $"account '{ledger.AccountId}' has no session '{proof.SessionId}'; grant one with the account key");
        }

        if (session.Revoked)
        {
            return Rule.Refuse(Rule.SessionRevoked, $"session '{proof.SessionId}' was revoked");
        }

        if (session.Secret is null)
        {
            // Granted before a gateway restart: secrets are never stored, so the session must be granted again.
            return Rule.Refuse(Rule.UnknownSession, $"session '{proof.SessionId}' was granted before the gateway restarted and has no key here; grant a new one");
        }

        if (nowUnixNanos >= session.Grant.SessionExpiresAtUnixNanos)
        {
            return Rule.Refuse(Rule.SessionExpired, $"session '{proof.SessionId}' expired");
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(session.Secret, canonical, expected);
        if (proof.Mac.Length != expected.Length || !CryptographicOperations.FixedTimeEquals(expected, proof.Mac))
        {
            return Rule.Refuse(Rule.BadSignature, $"the MAC does not verify over the canonical order bytes with session '{proof.SessionId}'");
        }

        return null;
    }

    /// <summary>HMAC-SHA256 of the canonical bytes under a session secret: what a client sends as the session MAC.</summary>
    public static byte[] SessionMac(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> canonical) => HMACSHA256.HashData(secret, canonical);
}
