using Clearing.Contracts.Settlement.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka;

namespace Clearing.Margin.Integration;

/// <summary>
/// Reads clearing.settlement.events.v1: SettlementPriceFixed settles every open position of the expiring future or
/// option in cash (options at intrinsic value, out of the money worthless) and closes it; FeesDistributed pays each
/// share out of the fee pool as a FEE_DISTRIBUTION ledger entry (reference "fees-{epoch}-{asset}").
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
                var reference = $"fees-{fees.Epoch}-{fees.Asset}";
                foreach (var share in fees.Shares)
                {
                    var amount = ContractText.Required(share.Amount, $"fees_distributed.shares[{share.AccountId}].amount");
                    var command = new CreditFeeShare(share.AccountId, fees.Asset, amount, reference, source, at);
                    await book.ApplyAsync(AccountAddress.Parse(share.AccountId).Owner, source, (state, prices) => book.Decider.Decide(state, command, prices), cancellationToken);
                }

                break;
            }
        }
    }
}
