using System.Security.Cryptography;
using Clearing.EventSourcing;
using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Rules;
using Clearing.OrderGateway.Integration;
using Clearing.ServiceDefaults.Security;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Clearing.OrderGateway.Application;

/// <summary>What the gateway answered.</summary>
public abstract record Admission
{
    public sealed record Accepted(string CommandId, long AcceptedAtUnixNanos, bool Duplicate) : Admission;

    public sealed record Refused(Refusal Refusal) : Admission;
}

/// <summary>What a session grant or revocation came to.</summary>
public abstract record SessionAdmission
{
    public sealed record Done(SessionGrant Grant, bool Revoked) : SessionAdmission;

    public sealed record Refused(Refusal Refusal) : SessionAdmission;
}

/// <summary>An order command read from its request, with what the gate needs from outside, waiting for its account's round.</summary>
internal sealed class PendingCommand(GatewayCommand command, OrderProof proof, PublicKey? key, MarginSnapshot? margin)
{
    public GatewayCommand Command => command;

    public OrderProof Proof => proof;

    public PublicKey? Key => key;

    public MarginSnapshot? Margin => margin;

    public TaskCompletionSource<Admission> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Runs the gate for order commands and stores the accepted ones (store first: the outbox relay publishes them). One
/// account's commands are judged one at a time, in arrival order, under the account's lock, so two concurrent
/// requests can never both spend one nonce or one client order id. Commands of one account that arrive while its
/// previous round is being stored wait in its queue and are judged together in the next round, whose accepted commands
/// go into the store in ONE append: one account no longer costs one store round trip per order, and the store's group
/// commit merges the rounds of many accounts into one transaction. Nothing is answered before its round is committed,
/// so an acknowledged order is stored. The append names the stream version the round's decisions saw, so a second
/// gateway replica that got there first makes it fail and the account is read again and the round judged again.
/// </summary>
public sealed class OrderAdmission(
    IEventStore store,
    AccountLedgers ledgers,
    ITraderKeyDirectory keys,
    MarketViews markets,
    IAccountRiskReader risk,
    IOptions<OrderGatewayOptions> options,
    GatewayBackpressure backpressure,
    TimeProvider time,
    AcceptedCommandHandoff? handoff = null)
{
    private const int MaxAttempts = 3;

    /// <summary>The most commands one batch call may carry: a round stays a small store transaction.</summary>
    public const int MaxBatchSize = 1000;

    private readonly PreTradeParameters _preTrade = options.Value.PreTrade();
    private readonly GateParameters _gate = options.Value.Gate();

    public async Task<Admission> SubmitAsync(GatewayCommand command, OrderProof proof, CancellationToken cancellationToken)
    {
        // Before anything is read or queued: an overloaded stack spends nothing on an order it will not take.
        if (backpressure.Check(command) is { } overloaded)
        {
            return new Admission.Refused(overloaded);
        }

        var pending = await PrepareAsync(command, proof, views: null, cancellationToken);
        return await (await EnqueueAsync(pending, cancellationToken)).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Judges several commands (of one account or many) as if each were sent alone in this order: one account's
    /// commands are decided in the order given, so a cancel after its place in the same batch finds the order.
    /// </summary>
    public async Task<IReadOnlyList<Admission>> SubmitManyAsync(IReadOnlyList<(GatewayCommand Command, OrderProof Proof)> commands, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(commands.Count, MaxBatchSize);
        // Margin's view is read once per account for the whole batch: its commands are judged at one instant anyway.
        var views = new Dictionary<string, MarginSnapshot?>(StringComparer.Ordinal);
        var prepared = new PendingCommand?[commands.Count];
        var replies = new Task<Admission>[commands.Count];
        for (var i = 0; i < commands.Count; i++)
        {
            // New orders only; the batch's cancels still go through, in their order among the admitted commands.
            if (backpressure.Check(commands[i].Command) is { } overloaded)
            {
                replies[i] = Task.FromResult<Admission>(new Admission.Refused(overloaded));
                continue;
            }

            prepared[i] = await PrepareAsync(commands[i].Command, commands[i].Proof, views, cancellationToken);
        }

        // Queued only once all are read: the reads before the queue are what could reorder one account's commands.
        for (var i = 0; i < prepared.Length; i++)
        {
            if (prepared[i] is { } pending)
            {
                replies[i] = await EnqueueAsync(pending, cancellationToken);
            }
        }

        return await Task.WhenAll(replies).WaitAsync(cancellationToken);
    }

    private async Task<PendingCommand> PrepareAsync(GatewayCommand command, OrderProof proof, Dictionary<string, MarginSnapshot?>? views, CancellationToken cancellationToken)
    {
        var key = proof is AccountSignatureProof ? await keys.FindAsync(command.AccountId, cancellationToken) : null;
        // Margin is read only for orders that can add risk, before the account's round: it is another service's file or sidecar.
        MarginSnapshot? margin = null;
        if (command.Kind == CommandKind.Place && !command.ReduceOnly && (views is null || !views.TryGetValue(command.AccountId, out margin)))
        {
            margin = await risk.ReadMarginAsync(command.AccountId, cancellationToken);
            views?.Add(command.AccountId, margin);
        }

        return new PendingCommand(command, proof, key, margin);
    }

    private async Task<Task<Admission>> EnqueueAsync(PendingCommand pending, CancellationToken cancellationToken)
    {
        var slot = await ledgers.GetAsync(pending.Command.AccountId, cancellationToken);
        if (slot.Enqueue(pending))
        {
            // Detached on purpose: the drain serves every caller queued behind this one, so no caller's cancellation
            // may stop it; each caller stops waiting for its own reply only.
            _ = DrainAsync(slot);
        }

        return pending.Reply.Task;
    }

    /// <summary>Decides the account's queue round by round until it is empty; a failure fails the commands it held.</summary>
    private async Task DrainAsync(AccountSlot slot)
    {
        while (true)
        {
            var queued = slot.TakeQueued();
            if (queued.Count == 0)
            {
                return;
            }

            await slot.Lock.WaitAsync(CancellationToken.None);
            try
            {
                for (var next = 0; next < queued.Count;)
                {
                    next = await DecideRoundAsync(slot, queued, next);
                }
            }
            catch (Exception e)
            {
                foreach (var pending in queued)
                {
                    pending.Reply.TrySetException(e);
                }
            }
            finally
            {
                slot.Lock.Release();
            }
        }
    }

    /// <summary>
    /// Judges queued[start..] against the ledger and stores the accepted ones in one append; returns where the next
    /// round starts. A round ends before a command that repeats the nonce or the client order id of one accepted in
    /// the same round: that one must be judged against a ledger that already holds the first (replay, duplicate).
    /// </summary>
    private async Task<int> DecideRoundAsync(AccountSlot slot, List<PendingCommand> queued, int start)
    {
        for (var attempt = 1; ; attempt++)
        {
            var now = NowNanos();
            var receivedAt = DateTimeOffset.UnixEpoch.AddTicks(now / 100);
            var outcomes = new Admission[queued.Count - start];
            var accepted = new List<(int Index, CommandAccepted Event, byte[] Payload)>();
            var nonces = new HashSet<string>(StringComparer.Ordinal);
            var orderIds = new HashSet<string>(StringComparer.Ordinal);
            var end = start;
            for (; end < queued.Count; end++)
            {
                var command = queued[end].Command;
                if (nonces.Contains(command.Nonce) || (command.Kind == CommandKind.Place && orderIds.Contains(command.OrderId)))
                {
                    break;
                }

                var outcome = OrderGate.Evaluate(slot.Ledger, command, queued[end].Proof, queued[end].Key, markets.ContextOf(command.Market, receivedAt),
                    queued[end].Margin, _preTrade, _gate, now);
                switch (outcome)
                {
                    case GateOutcome.Refuse refuse:
                        outcomes[end - start] = new Admission.Refused(refuse.Refusal);
                        break;
                    case GateOutcome.Duplicate duplicate:
                        outcomes[end - start] = new Admission.Accepted(duplicate.Original.CommandId, duplicate.Original.AcceptedAtUnixNanos, Duplicate: true);
                        break;
                    case GateOutcome.Accept accept:
                        var proto = OrderCommandMapping.ToProto(command, accept.CommandId, now);
                        accepted.Add((end, new CommandAccepted(command.AccountId, command.Market, accept.CommandId, OrderCommandMapping.KindName(command.Kind),
                            command.OrderId, accept.ContentHash, command.Nonce, command.ExpiresAtUnixNanos, now, OrderCommandMapping.ToJson(proto)),
                            handoff is null ? [] : proto.ToByteArray()));
                        outcomes[end - start] = new Admission.Accepted(accept.CommandId, now, Duplicate: false);
                        nonces.Add(command.Nonce);
                        if (command.Kind == CommandKind.Place)
                        {
                            orderIds.Add(command.OrderId);
                        }

                        break;
                }
            }

            if (accepted.Count > 0 && !await TryAppendAsync(slot, accepted, attempt))
            {
                continue;
            }

            for (var i = start; i < end; i++)
            {
                queued[i].Reply.TrySetResult(outcomes[i - start]);
            }

            return end;
        }
    }

    /// <summary>One round's accepted commands in one append at the version the round saw; false (after catching up) when another writer got there first.</summary>
    private async Task<bool> TryAppendAsync(AccountSlot slot, List<(int Index, CommandAccepted Event, byte[] Payload)> accepted, int attempt)
    {
        var stream = GatewayEvents.StreamFor(slot.Ledger.AccountId);
        var events = new EventData[accepted.Count];
        for (var i = 0; i < accepted.Count; i++)
        {
            events[i] = GatewayEvents.Serializer.Serialize(accepted[i].Event, eventId: GatewayEvents.EventIdFor(accepted[i].Event.CommandId));
            // Offered before the append: the relay may read the event as soon as it commits.
            handoff?.Offer(events[i], accepted[i].Event.Market, accepted[i].Payload);
        }

        var appended = false;
        try
        {
            var result = await store.AppendAsync(stream, ExpectedVersion.From(slot.Ledger.StreamVersion), events, CancellationToken.None);
            appended = true;
            var first = result.NextExpectedVersion - accepted.Count + 1;
            for (var i = 0; i < accepted.Count; i++)
            {
                AccountLedgers.Apply(slot.Ledger, accepted[i].Event, first + i, secret: null);
            }

            return true;
        }
        catch (WrongExpectedVersionException) when (attempt < MaxAttempts)
        {
            await ledgers.CatchUpAsync(slot, CancellationToken.None);
            return false;
        }
        finally
        {
            if (!appended && handoff is not null)
            {
                foreach (var e in events)
                {
                    handoff.Withdraw(e.EventId);
                }
            }
        }
    }

    public async Task<SessionAdmission> GrantSessionAsync(SessionGrant grant, byte[] secret, string nonce, long expiresAtUnixNanos, AccountSignatureProof proof, CancellationToken cancellationToken)
    {
        var key = await keys.FindAsync(grant.AccountId, cancellationToken);
        var slot = await ledgers.GetAsync(grant.AccountId, cancellationToken);
        await slot.Lock.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var now = NowNanos();
                var refusal = ProofVerifier.VerifyAccountSignature(key, grant.AccountId, proof, CanonicalSessionEncoding.EncodeGrant(grant, nonce, expiresAtUnixNanos))
                    ?? OrderGate.ReplayGuard(slot.Ledger, nonce, expiresAtUnixNanos, _gate, now)
                    ?? GrantProblem(slot.Ledger, grant, secret, now);
                if (refusal is not null)
                {
                    return new SessionAdmission.Refused(refusal);
                }

                var granted = new SessionGranted(grant.AccountId, grant.SessionId, Convert.ToHexStringLower(grant.SecretSha256), grant.Markets,
                    grant.MaxOrderQuantity, grant.SessionExpiresAtUnixNanos, nonce, expiresAtUnixNanos, now);
                if (await TryAppendAsync(slot, granted, $"session-granted:{grant.AccountId}:{nonce}", secret, attempt, cancellationToken))
                {
                    return new SessionAdmission.Done(grant, Revoked: false);
                }
            }
        }
        finally
        {
            slot.Lock.Release();
        }
    }

    public async Task<SessionAdmission> RevokeSessionAsync(string accountId, string sessionId, string nonce, long expiresAtUnixNanos, AccountSignatureProof proof, CancellationToken cancellationToken)
    {
        var key = await keys.FindAsync(accountId, cancellationToken);
        var slot = await ledgers.GetAsync(accountId, cancellationToken);
        await slot.Lock.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var now = NowNanos();
                var refusal = ProofVerifier.VerifyAccountSignature(key, accountId, proof, CanonicalSessionEncoding.EncodeRevoke(accountId, sessionId, nonce, expiresAtUnixNanos))
                    ?? OrderGate.ReplayGuard(slot.Ledger, nonce, expiresAtUnixNanos, _gate, now);
                if (refusal is null && !slot.Ledger.Sessions.ContainsKey(sessionId))
                {
                    refusal = Rule.Refuse(Rule.UnknownSession, $"account '{accountId}' has no session '{sessionId}'");
                }

                if (refusal is not null)
                {
                    return new SessionAdmission.Refused(refusal);
                }

                var revoked = new SessionRevoked(accountId, sessionId, nonce, expiresAtUnixNanos, now);
                if (await TryAppendAsync(slot, revoked, $"session-revoked:{accountId}:{nonce}", secret: null, attempt, cancellationToken))
                {
                    return new SessionAdmission.Done(slot.Ledger.Sessions[sessionId].Grant, Revoked: true);
                }
            }
        }
        finally
        {
            slot.Lock.Release();
        }
    }

    private string? GrantProblemText(AccountLedger ledger, SessionGrant grant, byte[] secret, long now)
    {
        var maxLifetime = options.Value.MaxSessionLifetime.Ticks * 100;
        return grant switch
        {
            _ when grant.SessionId.Length is < 8 or > 64 || !grant.SessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') =>
                "session_id must be 8-64 characters of [A-Za-z0-9_-]",
            _ when ledger.Sessions.ContainsKey(grant.SessionId) => $"session '{grant.SessionId}' already exists; choose a new session id",
            _ when secret.Length != SessionGrant.SecretLength => $"secret must be {SessionGrant.SecretLength} bytes, got {secret.Length}",
            _ when !CryptographicOperations.FixedTimeEquals(SHA256.HashData(secret), grant.SecretSha256) => "secret does not match the granted secret_sha256",
            _ when grant.SessionExpiresAtUnixNanos <= now => "session_expires_at_unix_nanos is in the past",
            _ when grant.SessionExpiresAtUnixNanos - now > maxLifetime => $"a session may last at most {options.Value.MaxSessionLifetime}",
            _ when grant.MaxOrderQuantity is <= 0 => "max_order_quantity must be positive when set",
            _ when grant.Markets.Any(m => markets.ContextOf(m) is null) => $"unknown market in markets: {string.Join(", ", grant.Markets.Where(m => markets.ContextOf(m) is null))}",
            _ => null,
        };
    }

    private Refusal? GrantProblem(AccountLedger ledger, SessionGrant grant, byte[] secret, long now) =>
        GrantProblemText(ledger, grant, secret, now) is { } text ? Rule.Refuse(Rule.Malformed, text) : null;

    /// <summary>Appends at the version the decision saw; false (after catching up) when another writer got there first.</summary>
    private async Task<bool> TryAppendAsync(AccountSlot slot, object @event, string idempotencyName, byte[]? secret, int attempt, CancellationToken cancellationToken)
    {
        var stream = GatewayEvents.StreamFor(slot.Ledger.AccountId);
        try
        {
            var result = await store.AppendAsync(stream, ExpectedVersion.From(slot.Ledger.StreamVersion),
                [GatewayEvents.Serializer.Serialize(@event, eventId: GatewayEvents.EventIdFor(idempotencyName))], cancellationToken);
            AccountLedgers.Apply(slot.Ledger, @event, result.NextExpectedVersion, secret);
            return true;
        }
        catch (WrongExpectedVersionException) when (attempt < MaxAttempts)
        {
            await ledgers.CatchUpAsync(slot, cancellationToken);
            return false;
        }
    }

    private long NowNanos() => (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
}
