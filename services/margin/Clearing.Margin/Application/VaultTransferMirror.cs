using System.Text.Json;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.Margin.Application;

/// <summary>
/// Completes vault transfers across owners. A vault deposit or payout is one ledger entry, stored on the paying owner's
/// stream (the LP's for a deposit, the vault account's for a payout), whose Evolve moves only that owner's balance; the
/// event store appends one stream at a time, so the other owner's half is applied here, from the numbered entry in
/// "ledger-main": every VAULT_DEPOSIT / VAULT_WITHDRAWAL posting of another owner becomes a
/// <see cref="VaultTransferMirrored"/> on that owner, through its inbox (source "ledger-main", the entry's sequence).
/// The checkpoint is only where reading resumes; the inbox makes a re-read apply nothing twice, so a crash between the
/// two halves is finished on the next pass, and the ledger (numbered once) never shows the half-step.
/// </summary>
/// <remarks>
/// Vault transfers are rare among ledger entries (one in 139k after a 40 s load run), so an entry is only deserialized
/// when its stored bytes can hold a vault kind (<see cref="MayBeVaultTransfer"/>), and the checkpoint is stored at most
/// once per <see cref="CheckpointInterval"/> unless a pass mirrored something: re-reading entries that mirror nothing
/// after a crash applies nothing, while a store write per pass cost as much as the read.
/// </remarks>
public sealed class VaultTransferMirror(IEventStore store, AccountBook book, ILogger<VaultTransferMirror> logger, TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public const string Checkpoint = "margin-vault-transfer-mirror";

    /// <summary>The longest a pass that mirrored nothing leaves its progress unstored.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The shortest time between two passes of the running service. The store wakes it on every append (hundreds a
    /// second under load) and each pass costs a head query and a prepared read before it finds the few new entries;
    /// a vault transfer's second half waits at most this much longer.
    /// </summary>
    public static readonly TimeSpan MinimumPassInterval = TimeSpan.FromMilliseconds(200);

    private const int PageSize = 500;

    // How the serializer writes each vault kind, quotes included: a LedgerEntryRecorded of that kind holds these bytes
    // (the kind property is a JSON string), and an unescaped quote cannot occur inside another string value.
    private static readonly byte[][] VaultKindMarkers =
    [
        JsonSerializer.SerializeToUtf8Bytes(LedgerKind.VaultDeposit, MarginEventTypes.Options),
        JsonSerializer.SerializeToUtf8Bytes(LedgerKind.VaultWithdrawal, MarginEventTypes.Options),
    ];

    private long? _next;
    private long _stored = -1;
    private DateTimeOffset _storedAt = DateTimeOffset.MinValue;

    /// <summary>
    /// False only when the stored entry cannot be a VAULT_DEPOSIT or VAULT_WITHDRAWAL; true may still be another kind
    /// (e.g. a reference spelled like a kind), so the caller deserializes and checks the kind.
    /// </summary>
    public static bool MayBeVaultTransfer(ReadOnlySpan<byte> serializedEntry)
    {
        foreach (var marker in VaultKindMarkers)
        {
            if (serializedEntry.IndexOf(marker) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Applies every counterpart half the numbered ledger holds and the counterpart has not applied; returns how many.</summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        if (_next is null)
        {
            _stored = await store.Checkpoints.LoadAsync(Checkpoint, cancellationToken) ?? -1;
            _next = _stored + 1;
        }

        var next = _next.Value;
        var applied = 0;
        while (true)
        {
            var read = 0;
            await foreach (var recorded in store.ReadStreamAsync(LedgerProjector.LedgerStream, ReadDirection.Forward, next, PageSize, cancellationToken))
            {
                read++;
                next = recorded.StreamVersion + 1;
                if (MayBeVaultTransfer(recorded.Data.Span)
                    && MarginEventTypes.Serializer.Deserialize(recorded) is LedgerEntryRecorded { Kind: LedgerKind.VaultDeposit or LedgerKind.VaultWithdrawal } entry)
                {
                    applied += await MirrorAsync(entry, cancellationToken);
                }

                // Only after the entry's halves are applied: a failure above resumes at this entry.
                _next = next;
            }

            if (read < PageSize)
            {
                break;
            }
        }

        var now = _time.GetUtcNow();
        if (next - 1 > _stored && (applied > 0 || now - _storedAt >= CheckpointInterval))
        {
            await store.Checkpoints.SaveAsync(Checkpoint, next - 1, cancellationToken);
            _stored = next - 1;
            _storedAt = now;
        }

        return applied;
    }

    private async Task<int> MirrorAsync(LedgerEntryRecorded entry, CancellationToken cancellationToken)
    {
        var paying = AccountAddress.Parse(entry.AccountId).Owner;
        var applied = 0;
        foreach (var posting in entry.Postings)
        {
            var owner = AccountAddress.Parse(posting.AccountId).Owner;
            if (owner == paying || SystemAccounts.IsSystem(posting.AccountId))
            {
                continue;
            }

            var command = new MirrorVaultTransfer(posting.AccountId, entry.Kind, entry.Reference, posting.Asset, posting.Amount,
                new MessageSource(LedgerProjector.LedgerStream, entry.Sequence), entry.At);
            var outcome = await book.ApplyAsync(owner, command.Source, (state, prices) => book.Decider.Decide(state, command, prices), cancellationToken);
            applied += outcome == Clearing.Messaging.Kafka.Inbox.InboxOutcome.Applied ? 1 : 0;
        }

        return applied;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var started = _time.GetTimestamp();
                var head = await store.GetHeadPositionAsync(stoppingToken);
                await CatchUpAsync(stoppingToken);
                await store.WaitForEventsAsync(head, TimeSpan.FromSeconds(1), stoppingToken);
                var rest = MinimumPassInterval - _time.GetElapsedTime(started);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, _time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The paying half is stored and numbered; this half waits for the next pass (the inbox keeps it to one).
                logger.LogError(ex, "Vault transfer mirror failed; retrying in 1 s");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
