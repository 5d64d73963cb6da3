using System.Security.Cryptography;
using Clearing.EventSourcing;
using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Rules;
using Clearing.OrderGateway.Integration;
using Clearing.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

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

/// <summary>
/// Runs the gate for one command and, when it passes, stores it (store first: the outbox relay publishes it). One
/// account's commands are judged one at a time: the decision, the append and the ledger update happen under the
/// account's lock, so two concurrent requests can never both spend one nonce or one client order id. The append
/// names the stream version the decision saw, so a second gateway replica that got there first makes it fail and
/// the account is read again and judged again.
/// </summary>
public sealed class OrderAdmission(
    IEventStore store,
    AccountLedgers ledgers,
    ITraderKeyDirectory keys,
    MarketViews markets,
    IAccountRiskReader risk,
    IOptions<OrderGatewayOptions> options,
    TimeProvider time)
{
    private const int MaxAttempts = 3;
    private readonly PreTradeParameters _preTrade = options.Value.PreTrade();
    private readonly GateParameters _gate = options.Value.Gate();

    public async Task<Admission> SubmitAsync(GatewayCommand command, OrderProof proof, CancellationToken cancellationToken)
    {
        var key = proof is AccountSignatureProof ? await keys.FindAsync(command.AccountId, cancellationToken) : null;
        // Margin is read only for orders that can add risk, before taking the lock: it is another service's file or sidecar.
        var margin = command.Kind == CommandKind.Place && !command.ReduceOnly
            ? AccountRiskViews.ToSnapshot(await risk.ReadAsync(command.AccountId, cancellationToken))
            : null;
        var slot = await ledgers.GetAsync(command.AccountId, cancellationToken);
        await slot.Lock.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var now = NowNanos();
                var outcome = OrderGate.Evaluate(slot.Ledger, command, proof, key, markets.ContextOf(command.Market), margin, _preTrade, _gate, now);
                switch (outcome)
                {
                    case GateOutcome.Refuse refuse:
                        return new Admission.Refused(refuse.Refusal);
                    case GateOutcome.Duplicate duplicate:
                        return new Admission.Accepted(duplicate.Original.CommandId, duplicate.Original.AcceptedAtUnixNanos, Duplicate: true);
                }

                var accept = (GateOutcome.Accept)outcome;
                var proto = OrderCommandMapping.ToProto(command, accept.CommandId, now);
                var accepted = new CommandAccepted(command.AccountId, command.Market, accept.CommandId, OrderCommandMapping.KindName(command.Kind),
                    command.OrderId, accept.ContentHash, command.Nonce, command.ExpiresAtUnixNanos, now, OrderCommandMapping.ToJson(proto));
                if (await TryAppendAsync(slot, accepted, accept.CommandId, secret: null, attempt, cancellationToken))
                {
                    return new Admission.Accepted(accept.CommandId, now, Duplicate: false);
                }
            }
        }
        finally
        {
            slot.Lock.Release();
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
