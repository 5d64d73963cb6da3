using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Margin.Application;

/// <summary>A validated credit request.</summary>
public sealed record CollateralCredit(string AccountId, string Asset, decimal Amount, string Reference, string Reason);

/// <summary>Where a credit landed; <see cref="AlreadyCredited"/> when the same credit had been stored before.</summary>
public sealed record CollateralCreditOutcome(CollateralCredited Event, Guid EventId, long StreamVersion, bool AlreadyCredited);

/// <summary>The reference was used before for a different credit; nothing was written.</summary>
public sealed class CreditReferenceConflictException(string message) : Exception(message);

/// <summary>
/// Appends operator collateral credits to the account stream, exactly once per (account, reference): the event id
/// is derived from both, and a credit whose id is already in the stream is reported instead of written again, so a
/// retried call (lost reply, operator double-click) never credits twice. The check and the append are tied by the
/// stream version: a writer that slips in between makes the append fail, and the check runs again.
/// </summary>
/// <remarks>The credit is a deposit of the account aggregate (its Evolve books it and its ledger line, external →
/// account); after a new credit the account book reloads the account, revalues it and rewrites its read model.</remarks>
public sealed class CollateralCrediting(IEventStore store, TimeProvider time, AccountBook book)
{
    public const string StreamCategory = MarginEventTypes.AccountCategory;

    private const int MaxAttempts = 5;

    private static EventSerializer Serializer => MarginEventTypes.Serializer;

    public async Task<CollateralCreditOutcome> CreditAsync(CollateralCredit credit, string creditedBy, CancellationToken cancellationToken)
    {
        var streamId = StreamName.For(StreamCategory, AccountAddress.Parse(credit.AccountId).Owner);
        var eventId = EventIdFor(credit.AccountId, credit.Reference);
        for (var attempt = 1; ; attempt++)
        {
            // Credits are rare operator actions, so reading the account's history is affordable here; once the
            // account aggregate keeps credited references in its (snapshotted) state, this becomes a state lookup.
            var version = -1L;
            RecordedEvent? stored = null;
            await foreach (var recorded in store.ReadStreamAsync(streamId, ReadDirection.Forward, 0, int.MaxValue, cancellationToken))
            {
                version = recorded.StreamVersion;
                if (recorded.EventId == eventId)
                {
                    stored = recorded;
                }
            }

            if (stored is not null)
            {
                return AlreadyStored(stored, credit);
            }

            var credited = new CollateralCredited(credit.AccountId, credit.Asset, credit.Amount, credit.Reference, credit.Reason, creditedBy, time.GetUtcNow());
            try
            {
                var result = await store.AppendAsync(streamId, ExpectedVersion.From(version), [Serializer.Serialize(credited, eventId: eventId)], cancellationToken);
                await book.RefreshAsync(AccountAddress.Parse(credit.AccountId).Owner, cancellationToken);
                return new CollateralCreditOutcome(credited, eventId, result.NextExpectedVersion, AlreadyCredited: false);
            }
            catch (WrongExpectedVersionException) when (attempt < MaxAttempts)
            {
                // Another writer (the account aggregate, or this very credit retried) got there first: check again.
            }
        }
    }

    private static CollateralCreditOutcome AlreadyStored(RecordedEvent recorded, CollateralCredit credit)
    {
        var stored = (CollateralCredited)Serializer.Deserialize(recorded);
        if (stored.Asset != credit.Asset || stored.Amount != credit.Amount)
        {
            throw new CreditReferenceConflictException(
                $"reference '{credit.Reference}' was already used on account '{credit.AccountId}' for {stored.Amount.ToString(CultureInfo.InvariantCulture)} {stored.Asset}; " +
                "use a new reference for a different credit");
        }

        return new CollateralCreditOutcome(stored, recorded.EventId, recorded.StreamVersion, AlreadyCredited: true);
    }

    /// <summary>A name-based id (RFC 4122 layout, SHA-256 based) for "this account, this reference".</summary>
    internal static Guid EventIdFor(string accountId, string reference)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"margin.collateral-credited\n{accountId}\n{reference}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8: custom, name-based
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }
}
