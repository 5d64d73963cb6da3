using Clearing.Contracts.Settlement.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka;

namespace Clearing.Margin.Integration;

/// <summary>
/// Reads clearing.settlement.events.v1: SettlementPriceFixed settles every open position of the expiring future or
/// option in cash (options at intrinsic value, out of the money worthless) and closes it; FeesDistributed pays each
/// share as a FEE_DISTRIBUTION ledger entry on the credited account, out of the fee pool (reference "fees-{epoch}-{asset}")
/// or, for the LP vault's liquidation-fee share, out of the insurance fund ("liquidation-fees-{epoch}-{asset}"). A share to
/// the vault's trading account (vault-hlp) is money the vault then counts as fee income from this ledger.
/// </summary>
public sealed class SettlementGateway(AccountBook book)
{
    public async Task HandleAsync(KafkaInboundMessage<SettlementEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = ContractText.FromUnixNanos(e.TimeUnixNanos);
        switch (e.EventCase)
        {
            case SettlementEvent.EventOneofCase.PriceFixed:
            {
                var price = ContractText.Required(e.PriceFixed.SettlementPrice, "price_fixed.settlement_price");
                var command = new SettleExpiry(e.PriceFixed.Market, price, $"expiry:{e.PriceFixed.Market}", source, at);
                foreach (var owner in await book.HoldersOfAsync(e.PriceFixed.Market, cancellationToken))
                {
                    await book.ApplyAsync(owner, source, (state, prices) => book.Decider.Decide(state, command, prices), cancellationToken);
                }

                break;
            }

            case SettlementEvent.EventOneofCase.FeesDistributed:
            {
                var fees = e.FeesDistributed;
                // Messages from before paid_from/reference existed are the fee pool's split.
                var reference = fees.Reference.Length > 0 ? fees.Reference : $"fees-{fees.Epoch}-{fees.Asset}";
                var paidFrom = fees.PaidFromAccountId.Length > 0 ? fees.PaidFromAccountId : SystemAccounts.FeePool;
                foreach (var share in fees.Shares)
                {
                    var amount = ContractText.Required(share.Amount, $"fees_distributed.shares[{share.AccountId}].amount");
                    var command = new CreditFeeShare(share.AccountId, fees.Asset, amount, reference, source, at, paidFrom);
                    await book.ApplyAsync(AccountAddress.Parse(share.AccountId).Owner, source, (state, prices) => book.Decider.Decide(state, command, prices), cancellationToken);
                }

                break;
            }
        }
    }
}
