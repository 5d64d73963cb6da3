using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Process;
using Clearing.Messaging.Kafka;

namespace Clearing.Liquidation.Integration;

/// <summary>
/// Reads clearing.matching.events.v1: every fill updates the positions projection; fills, IOC remainders and rejections
/// of liquidation orders (origin LIQUIDATION, order ids "liq-…") go to the account's liquidation, matched by order id.
/// </summary>
public sealed class MatchingEventGateway(LiquidationEngine engine)
{
    public const string OrderIdPrefix = "liq-";

    public Task HandleAsync(KafkaInboundMessage<MatchingEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = ContractText.Time(e.TimeUnixNanos);
        switch (e.EventCase)
        {
            case MatchingEvent.EventOneofCase.Fill:
                var f = e.Fill;
                var sides = new List<(string, string)>();
                if (f.TakerOrigin == Origin.Liquidation)
                {
                    sides.Add((f.TakerAccountId, f.TakerOrderId));
                }

                if (f.MakerOrigin == Origin.Liquidation)
                {
                    sides.Add((f.MakerAccountId, f.MakerOrderId));
                }

                return engine.HandleFillAsync(new FillInput(
                    e.Market, f.FillId, f.TakerAccountId, f.MakerAccountId, f.TakerSide == Side.Buy,
                    ContractText.Required(f.Quantity, "fill quantity"), ContractText.Required(f.Price, "fill price"), at, sides, source), cancellationToken);
            case MatchingEvent.EventOneofCase.Cancelled when e.Cancelled.OrderId.StartsWith(OrderIdPrefix, StringComparison.Ordinal):
                return engine.HandleOrderEndedAsync(e.Cancelled.AccountId, new SliceEndInput(e.Cancelled.OrderId, e.Market, "cancelled:" + e.Cancelled.Reason, at, source), cancellationToken);
            case MatchingEvent.EventOneofCase.Rejected when e.Rejected.OrderId.StartsWith(OrderIdPrefix, StringComparison.Ordinal):
                return engine.HandleOrderEndedAsync(e.Rejected.AccountId, new SliceEndInput(e.Rejected.OrderId, e.Market, "rejected:" + e.Rejected.Reason, at, source), cancellationToken);
            default:
                return Task.CompletedTask;
        }
    }
}
