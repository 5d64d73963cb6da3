using Clearing.Contracts.Vault.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka;

namespace Clearing.Margin.Integration;

/// <summary>
/// Reads clearing.vault.events.v1 and books the vault's payouts: WithdrawalPaid (shares redeemed at the payout-time NAV)
/// and DepositReturned (a deposit the vault could not turn into shares) move the amount from the vault's trading account
/// to the LP, once per withdrawal or deposit id, through the vault account's inbox. Deposits are not read here: margin
/// books them first (Accounts.DepositToVault) and the vault reads them from the ledger. Everything else on the topic is
/// the vault's own accounting.
/// </summary>
public sealed class VaultGateway(AccountBook book)
{
    public async Task HandleAsync(KafkaInboundMessage<VaultEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = ContractText.FromUnixNanos(e.TimeUnixNanos);
        PayFromVault? payout = e.EventCase switch
        {
            VaultEvent.EventOneofCase.WithdrawalPaid => new PayFromVault(Required(e.VaultAccountId, "vault_account_id"), Required(e.WithdrawalPaid.LpAccountId, "withdrawal_paid.lp_account_id"),
                Required(e.WithdrawalPaid.Asset, "withdrawal_paid.asset"), ContractText.Required(e.WithdrawalPaid.Amount, "withdrawal_paid.amount"),
                Required(e.WithdrawalPaid.WithdrawalId, "withdrawal_paid.withdrawal_id"), "vault withdrawal", source, at),
            VaultEvent.EventOneofCase.DepositReturned => new PayFromVault(Required(e.VaultAccountId, "vault_account_id"), Required(e.DepositReturned.LpAccountId, "deposit_returned.lp_account_id"),
                Required(e.DepositReturned.Asset, "deposit_returned.asset"), ContractText.Required(e.DepositReturned.Amount, "deposit_returned.amount"),
                Required(e.DepositReturned.DepositId, "deposit_returned.deposit_id"), "vault returned deposit: " + e.DepositReturned.Reason, source, at),
            _ => null,
        };
        if (payout is null)
        {
            return;
        }

        await book.ApplyAsync(AccountAddress.Parse(payout.VaultAccountId).Owner, source, (state, prices) => book.Decider.Decide(state, payout, prices), cancellationToken);
    }

    private static string Required(string value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new FormatException($"{field} is required") : value;
}
