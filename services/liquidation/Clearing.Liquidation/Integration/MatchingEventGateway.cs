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
/// <remarks>
/// Events arrive in runs (<see cref="MaxBatchSize"/>). Consecutive fills with no liquidation order go to the positions
/// as one write per market; events with no effect here (<see cref="Concerns"/>) are passed over without ending that run;
/// anything else is handled alone, after the fills before it, so the order of effects is the order matching published.
/// The consumer does not even parse most of the passed-over events (<see cref="LiquidationMatchingDeserializer"/>).
/// </remarks>
public sealed class MatchingEventGateway(LiquidationEngine engine)
{
    public const string OrderIdPrefix = "liq-";

    /// <summary>The most matching events handled in one run; a run that fails is split and retried one event at a time by the consumer.</summary>
    public const int MaxBatchSize = 256;

    public Task HandleAsync(KafkaInboundMessage<MatchingEvent> message, CancellationToken cancellationToken) =>
        HandleAsync([message], cancellationToken);

    public async Task HandleAsync(IReadOnlyList<KafkaInboundMessage<MatchingEvent>> messages, CancellationToken cancellationToken)
    {
        var plain = new List<FillInput>();
        foreach (var message in messages)
        {
            if (message.Payload.EventCase == MatchingEvent.EventOneofCase.Fill && FillOf(message) is { LiquidationSides.Count: 0 } fill)
            {
                plain.Add(fill);
                continue;
            }

            if (!Concerns(message.Payload))
            {
                // No effect here (an order accepted, rested, amended… or another order's end): it does not end the run
                // of fills, which would otherwise be cut into one append per fill by the events between them.
                continue;
            }

            await FlushAsync(plain, cancellationToken);
            await HandleOneAsync(message, cancellationToken);
        }

        await FlushAsync(plain, cancellationToken);
    }

    /// <summary>Whether the event changes anything in liquidation: a fill, or the end of a liquidation order.</summary>
    public static bool Concerns(MatchingEvent e) => e.EventCase switch
    {
        MatchingEvent.EventOneofCase.Fill => true,
        MatchingEvent.EventOneofCase.Cancelled => e.Cancelled.OrderId.StartsWith(OrderIdPrefix, StringComparison.Ordinal),
        MatchingEvent.EventOneofCase.Rejected => e.Rejected.OrderId.StartsWith(OrderIdPrefix, StringComparison.Ordinal),
        _ => false,
    };

    private async Task FlushAsync(List<FillInput> plain, CancellationToken cancellationToken)
    {
        if (plain.Count > 0)
        {
            await engine.HandlePlainFillsAsync(plain.ToList(), cancellationToken);
            plain.Clear();
        }
    }

    private static FillInput FillOf(KafkaInboundMessage<MatchingEvent> message)
    {
        var e = message.Payload;
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

        return new FillInput(
            e.Market, f.FillId, f.TakerAccountId, f.MakerAccountId, f.TakerSide == Side.Buy,
            ContractText.Required(f.Quantity, "fill quantity"), ContractText.Required(f.Price, "fill price"), ContractText.Time(e.TimeUnixNanos), sides,
            new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence));
    }

    private Task HandleOneAsync(KafkaInboundMessage<MatchingEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = ContractText.Time(e.TimeUnixNanos);
        switch (e.EventCase)
        {
            case MatchingEvent.EventOneofCase.Fill:
                return engine.HandleFillAsync(FillOf(message), cancellationToken);
            case MatchingEvent.EventOneofCase.Cancelled when e.Cancelled.OrderId.StartsWith(OrderIdPrefix, StringComparison.Ordinal):
                return engine.HandleOrderEndedAsync(e.Cancelled.AccountId, new SliceEndInput(e.Cancelled.OrderId, e.Market, "cancelled:" + e.Cancelled.Reason, at, source), cancellationToken);
            case MatchingEvent.EventOneofCase.Rejected when e.Rejected.OrderId.StartsWith(OrderIdPrefix, StringComparison.Ordinal):
                return engine.HandleOrderEndedAsync(e.Rejected.AccountId, new SliceEndInput(e.Rejected.OrderId, e.Market, "rejected:" + e.Rejected.Reason, at, source), cancellationToken);
            default:
                return Task.CompletedTask;
        }
    }
}
