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
public sealed class VaultTransferMirror(IEventStore store, AccountBook book, ILogger<VaultTransferMirror> logger) : BackgroundService
{
    public const string Checkpoint = "margin-vault-transfer-mirror";

    private const int PageSize = 500;

    /// <summary>Applies every counterpart half the numbered ledger holds and the counterpart has not applied; returns how many.</summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        var next = (await store.Checkpoints.LoadAsync(Checkpoint, cancellationToken) ?? -1) + 1;
        var applied = 0;
        while (true)
        {
            var read = 0;
            var last = next - 1;
            await foreach (var recorded in store.ReadStreamAsync(LedgerProjector.LedgerStream, ReadDirection.Forward, next, PageSize, cancellationToken))
            {
                read++;
                last = recorded.StreamVersion;
                if (MarginEventTypes.Serializer.Deserialize(recorded) is LedgerEntryRecorded { Kind: LedgerKind.VaultDeposit or LedgerKind.VaultWithdrawal } entry)
                {
                    applied += await MirrorAsync(entry, cancellationToken);
                }
            }

            if (read == 0)
            {
                return applied;
            }

            await store.Checkpoints.SaveAsync(Checkpoint, last, cancellationToken);
            next = last + 1;
            if (read < PageSize)
            {
                return applied;
            }
        }
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
                var head = await store.GetHeadPositionAsync(stoppingToken);
                await CatchUpAsync(stoppingToken);
                await store.WaitForEventsAsync(head, TimeSpan.FromSeconds(1), stoppingToken);
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
