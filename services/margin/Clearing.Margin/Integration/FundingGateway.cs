using Clearing.Contracts.Funding.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka;

namespace Clearing.Margin.Integration;

/// <summary>
/// Reads clearing.funding.events.v1: a FundingRateSet pays −size × mark × rate on every open position of the market
/// (<see cref="FundingPayments"/>), each account once (its inbox records the funding stream's sequence).
/// </summary>
public sealed class FundingGateway(AccountBook book)
{
    public async Task HandleAsync(KafkaInboundMessage<FundingEvent> message, CancellationToken cancellationToken)
    {
        if (message.Payload.EventCase != FundingEvent.EventOneofCase.RateSet)
        {
            return;
        }

        var e = message.Payload;
        var rate = ContractText.Required(e.RateSet.Rate, "rate_set.rate");
        var mark = ContractText.Optional(e.RateSet.MarkPrice, "rate_set.mark_price")
            ?? ContractText.Optional(e.RateSet.IndexPrice, "rate_set.index_price")
            ?? throw new FormatException($"funding {e.Market}:{e.Sequence} has neither mark_price nor index_price");
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = ContractText.FromUnixNanos(e.TimeUnixNanos);
        var command = new ApplyFunding(e.Market, rate, mark, $"funding:{e.Market}:{e.RateSet.IntervalEndUnixNanos}", source, at);
        foreach (var owner in await book.HoldersOfAsync(e.Market, cancellationToken))
        {
            await book.ApplyAsync(owner, source, (state, prices) => book.Decider.Decide(state, command, prices), cancellationToken);
        }
    }
}
