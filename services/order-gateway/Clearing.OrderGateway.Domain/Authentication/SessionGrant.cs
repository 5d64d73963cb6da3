using Clearing.OrderGateway.Domain.Encoding;

namespace Clearing.OrderGateway.Domain.Authentication;

/// <summary>
/// An account key's authorization of a session key: which key (by its SHA-256), until when, and within which limits.
/// <see cref="Markets"/> empty means every market; <see cref="MaxOrderQuantity"/> null means the market's own limit.
/// </summary>
public sealed record SessionGrant(
    string AccountId,
    string SessionId,
    byte[] SecretSha256,
    IReadOnlyList<string> Markets,
    decimal? MaxOrderQuantity,
    long SessionExpiresAtUnixNanos)
{
    public const int SecretLength = 32;

    public bool Allows(string market) => Markets.Count == 0 || Markets.Contains(market, StringComparer.Ordinal);
}

/// <summary>
/// Bytes the account key signs to grant or revoke a session:
/// grant = <c>str "clearing-session-grant-v1" · str account · str nonce · i64 expires_at · str session_id ·
/// bytes secret_sha256 · i64 count of markets · each str market (sorted, ordinal) · dec max_order_quantity · i64 session_expires_at</c>;
/// revoke = <c>str "clearing-session-revoke-v1" · str account · str nonce · i64 expires_at · str session_id</c>.
/// </summary>
public static class CanonicalSessionEncoding
{
    public const string GrantVersion = "clearing-session-grant-v1";
    public const string RevokeVersion = "clearing-session-revoke-v1";

    public static byte[] EncodeGrant(SessionGrant grant, string nonce, long expiresAtUnixNanos)
    {
        var writer = new CanonicalWriter(stackalloc byte[256]);
        try
        {
            writer.String(GrantVersion);
            writer.String(grant.AccountId);
            writer.String(nonce);
            writer.Int64(expiresAtUnixNanos);
            writer.String(grant.SessionId);
            writer.Bytes(grant.SecretSha256);
            var markets = grant.Markets.Order(StringComparer.Ordinal).ToList();
            writer.Int64(markets.Count);
            foreach (var market in markets)
            {
                writer.String(market);
            }

            writer.Decimal(grant.MaxOrderQuantity);
            writer.Int64(grant.SessionExpiresAtUnixNanos);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static byte[] EncodeRevoke(string accountId, string sessionId, string nonce, long expiresAtUnixNanos)
    {
        var writer = new CanonicalWriter(stackalloc byte[256]);
        try
        {
            writer.String(RevokeVersion);
            writer.String(accountId);
            writer.String(nonce);
            writer.Int64(expiresAtUnixNanos);
            writer.String(sessionId);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }
}
