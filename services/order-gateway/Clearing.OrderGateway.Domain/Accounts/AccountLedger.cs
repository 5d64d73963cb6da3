using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Rules;

namespace Clearing.OrderGateway.Domain.Accounts;

/// <summary>A client order id the gateway accepted: the content it stood for and the command it became.</summary>
public sealed record AcceptedOrder(string OrderId, string Market, string ContentHash, string CommandId, long AcceptedAtUnixNanos);

/// <summary>A granted session. <see cref="Secret"/> is null when the grant was loaded from the store (secrets are never stored).</summary>
public sealed record SessionState(SessionGrant Grant, byte[]? Secret, bool Revoked);

/// <summary>
/// What the gateway remembers about one account: nonces still inside their expiry, client order ids accepted within
/// the retention window, sessions, the rate-limit bucket, and the version of its stream in the store. Changed only
/// through the <c>Record*</c> and <c>Prune*</c> methods, which the host calls after the matching event is stored (and
/// when it loads the stream).
/// </summary>
public sealed class AccountLedger(string accountId)
{
    private readonly Dictionary<string, long> _nonceExpiries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AcceptedOrder> _orders = new(StringComparer.Ordinal);
    private readonly Queue<(long AcceptedAtUnixNanos, string OrderId)> _ordersByAge = new();
    private readonly Dictionary<string, SessionState> _sessions = new(StringComparer.Ordinal);
    private long _nextPruneUnixNanos;

    public string AccountId { get; } = accountId;

    /// <summary>The stream version this state reflects (-1: nothing stored yet): the expected version of the next append.</summary>
    public long StreamVersion { get; private set; } = -1;

    public TokenBucket? Bucket { get; set; }

    public IReadOnlyDictionary<string, AcceptedOrder> Orders => _orders;

    public IReadOnlyDictionary<string, SessionState> Sessions => _sessions;

    public int RememberedNonces => _nonceExpiries.Count;

    public int RememberedOrders => _orders.Count;

    public bool HasUsed(string nonce) => _nonceExpiries.ContainsKey(nonce);

    public void RecordNonce(string nonce, long expiresAtUnixNanos, long streamVersion)
    {
        _nonceExpiries[nonce] = expiresAtUnixNanos;
        StreamVersion = Math.Max(StreamVersion, streamVersion);
    }

    public void RecordOrder(AcceptedOrder order)
    {
        _orders[order.OrderId] = order;
        _ordersByAge.Enqueue((order.AcceptedAtUnixNanos, order.OrderId));
    }

    /// <summary>
    /// Forgets client order ids accepted more than <paramref name="retentionNanos"/> before now (one accepted exactly
    /// at the bound is still remembered). The ids are kept for idempotent retries (same content: the first reply;
    /// other content: order-id-conflict); a window at least as long as the expiry horizon means a retry of the same
    /// signed command is always answered as a duplicate, never as a replayed nonce. Cost: the expired ones only, oldest
    /// first, so it is cheap enough to call on every command.
    /// </summary>
    public void PruneOrders(long nowUnixNanos, long retentionNanos)
    {
        var cutoff = nowUnixNanos - retentionNanos;
        while (_ordersByAge.TryPeek(out var oldest) && oldest.AcceptedAtUnixNanos < cutoff)
        {
            _ordersByAge.Dequeue();
            // An id forgotten once and accepted again later has a newer entry: that one stays.
            if (_orders.TryGetValue(oldest.OrderId, out var order) && order.AcceptedAtUnixNanos == oldest.AcceptedAtUnixNanos)
            {
                _orders.Remove(oldest.OrderId);
            }
        }
    }

    public void RecordSession(SessionGrant grant, byte[]? secret) => _sessions[grant.SessionId] = new SessionState(grant, secret, Revoked: false);

    public void RecordRevocation(string sessionId)
    {
        if (_sessions.TryGetValue(sessionId, out var session))
        {
            _sessions[sessionId] = session with { Revoked = true, Secret = null };
        }
    }

    /// <summary>
    /// Forgets nonces whose commands have expired: a replay of one is refused as expired before its nonce is looked
    /// at, so remembering it longer protects nothing. Cheap enough to call on every command; it scans at most once a second.
    /// </summary>
    public void PruneNonces(long nowUnixNanos)
    {
        if (nowUnixNanos < _nextPruneUnixNanos)
        {
            return;
        }

        foreach (var (nonce, expiry) in _nonceExpiries)
        {
            if (expiry < nowUnixNanos)
            {
                _nonceExpiries.Remove(nonce);
            }
        }

        _nextPruneUnixNanos = nowUnixNanos + 1_000_000_000;
    }
}
