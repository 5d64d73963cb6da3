using System.Collections.Concurrent;
using Clearing.EventSourcing;
using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Domain.Authentication;

namespace Clearing.OrderGateway.Application;

/// <summary>
/// One account's ledger, the lock that serializes its decisions (decide, append, record), and the queue of order
/// commands waiting for the next round: while one round's append is in flight, the account's later commands gather
/// here and go into the store together in the next one.
/// </summary>
public sealed class AccountSlot(string accountId)
{
    private readonly Queue<PendingCommand> _queue = new();
    private bool _draining;

    public AccountLedger Ledger { get; } = new(accountId);

    public SemaphoreSlim Lock { get; } = new(1, 1);

    /// <summary>Queues a command; true when the caller must drain the queue (nobody else is draining it).</summary>
    internal bool Enqueue(PendingCommand pending)
    {
        lock (_queue)
        {
            _queue.Enqueue(pending);
            if (_draining)
            {
                return false;
            }

            _draining = true;
            return true;
        }
    }

    /// <summary>Takes everything queued, in arrival order; empty (and no longer draining) when the queue ran dry.</summary>
    internal List<PendingCommand> TakeQueued()
    {
        lock (_queue)
        {
            var taken = new List<PendingCommand>(_queue.Count);
            while (_queue.TryDequeue(out var pending))
            {
                taken.Add(pending);
            }

            if (taken.Count == 0)
            {
                _draining = false;
            }

            return taken;
        }
    }
}

/// <summary>
/// Every account's ledger, loaded from the store on first use (all "gateway-*" streams, in global order) so a restart
/// remembers each nonce that could still be fresh, each accepted client order id and each session and revocation.
/// After that the ledgers follow this process's own appends; a concurrent writer (a second replica) shows up as a
/// version conflict, after which the account's stream is read again (<see cref="CatchUpAsync"/>).
/// </summary>
public sealed class AccountLedgers(IEventStore store, TimeProvider? time = null, long orderIdRetentionNanos = long.MaxValue)
{
    private const int PageSize = 1000;
    private readonly ConcurrentDictionary<string, AccountSlot> _slots = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile bool _loaded;

    public async ValueTask<AccountSlot> GetAsync(string accountId, CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            await LoadAsync(cancellationToken);
        }

        return _slots.GetOrAdd(accountId, id => new AccountSlot(id));
    }

    /// <summary>Reads what other writers appended to the account's stream since this ledger last saw it.</summary>
    public async Task CatchUpAsync(AccountSlot slot, CancellationToken cancellationToken)
    {
        var stream = GatewayEvents.StreamFor(slot.Ledger.AccountId);
        await foreach (var recorded in store.ReadStreamAsync(stream, ReadDirection.Forward, slot.Ledger.StreamVersion + 1, int.MaxValue, cancellationToken))
        {
            Apply(slot.Ledger, recorded);
        }
    }

    public static void Apply(AccountLedger ledger, RecordedEvent recorded) =>
        Apply(ledger, GatewayEvents.Serializer.Deserialize(recorded), recorded.StreamVersion, secret: null);

    /// <summary>Records a stored (or just appended) event in the ledger; <paramref name="secret"/> only for a grant made by this process.</summary>
    public static void Apply(AccountLedger ledger, object @event, long streamVersion, byte[]? secret)
    {
        switch (@event)
        {
            case CommandAccepted accepted:
                ledger.RecordNonce(accepted.Nonce, accepted.ExpiresAtUnixNanos, streamVersion);
                if (accepted.Kind == "place")
                {
                    ledger.RecordOrder(new AcceptedOrder(accepted.OrderId, accepted.Market, accepted.ContentHash, accepted.CommandId, accepted.AcceptedAtUnixNanos));
                }

                break;
            case SessionGranted granted:
                ledger.RecordNonce(granted.Nonce, granted.ExpiresAtUnixNanos, streamVersion);
                ledger.RecordSession(
                    new SessionGrant(granted.AccountId, granted.SessionId, Convert.FromHexString(granted.SecretSha256), granted.Markets,
                        granted.MaxOrderQuantity, granted.SessionExpiresAtUnixNanos),
                    secret);
                break;
            case SessionRevoked revoked:
                ledger.RecordNonce(revoked.Nonce, revoked.ExpiresAtUnixNanos, streamVersion);
                ledger.RecordRevocation(revoked.SessionId);
                break;
            default:
                throw new InvalidOperationException($"the gateway stream holds an event it does not know: {@event.GetType().Name}");
        }
    }

    private long NowNanos() => ((time ?? TimeProvider.System).GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_loaded)
            {
                return;
            }

            var position = 1L;
            while (true)
            {
                var read = 0;
                var touched = new HashSet<AccountSlot>();
                await foreach (var recorded in store.ReadAllAsync(position, PageSize, GatewayEvents.Category, cancellationToken))
                {
                    var accountId = recorded.StreamId[(GatewayEvents.Category.Length + 1)..];
                    var slot = _slots.GetOrAdd(accountId, id => new AccountSlot(id));
                    Apply(slot.Ledger, recorded);
                    touched.Add(slot);
                    position = recorded.GlobalPosition + 1;
                    read++;
                }

                // Page by page, so loading a long history never holds more than the retention window of order ids.
                var now = NowNanos();
                foreach (var slot in touched)
                {
                    slot.Ledger.PruneOrders(now, orderIdRetentionNanos);
                }

                if (read < PageSize)
                {
                    break;
                }
            }

            _loaded = true;
        }
        finally
        {
            _loading.Release();
        }
    }
}
