using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults.Security;

public enum NonceUse
{
    Accepted,
    Replayed,
    LedgerFull,
}

/// <summary>Remembers the nonces of accepted signed requests until their timestamps can no longer pass the freshness check.</summary>
public interface INonceLedger
{
    NonceUse TryUse(string signerScope, string nonce, DateTimeOffset requestTimestamp);
}

/// <summary>
/// Per-process nonce memory. A nonce only needs remembering while its timestamp is fresh (±MaxClockSkew), so
/// memory is bounded by request rate × window. With several replicas behind a load balancer each replica has
/// its own ledger; business-level replay protection for orders lives in order-gateway's durable nonce state
/// (DESIGN.md §3), which this ledger does not replace.
/// </summary>
internal sealed class InMemoryNonceLedger(TimeProvider time, IOptions<ClearingAuthOptions> options) : INonceLedger
{
    private readonly ConcurrentDictionary<string, long> _expiries = new(StringComparer.Ordinal);
    private readonly Lock _pruneLock = new();
    private long _nextPruneMs;

    public NonceUse TryUse(string signerScope, string nonce, DateTimeOffset requestTimestamp)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var skewMs = (long)options.Value.MaxClockSkew.TotalMilliseconds;
        PruneIfDue(nowMs, skewMs);
        if (_expiries.Count >= options.Value.NonceCapacity)
        {
            return NonceUse.LedgerFull;
        }

        // Kept until the timestamp itself is too old to pass the freshness check, plus a second of slack.
        var expiresMs = requestTimestamp.ToUnixTimeMilliseconds() + skewMs + 1000;
        return _expiries.TryAdd(signerScope + "\n" + nonce, expiresMs) ? NonceUse.Accepted : NonceUse.Replayed;
    }

    private void PruneIfDue(long nowMs, long skewMs)
    {
        // Time-driven only: at capacity a scan per request would turn a flood into a CPU problem as well.
        if (nowMs < Volatile.Read(ref _nextPruneMs))
        {
            return;
        }

        lock (_pruneLock)
        {
            if (nowMs < _nextPruneMs)
            {
                return;
            }

            foreach (var (key, expiresMs) in _expiries)
            {
                if (expiresMs < nowMs)
                {
                    _expiries.TryRemove(key, out _);
                }
            }

            Volatile.Write(ref _nextPruneMs, nowMs + Math.Max(1000, skewMs / 2));
        }
    }
}
