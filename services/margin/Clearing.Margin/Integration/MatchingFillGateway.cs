using Clearing.Contracts.Matching;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;

namespace Clearing.Margin.Integration;

/// <summary>
/// Reads clearing.matching.events.v1 and books every fill into both accounts (each owner's inbox records the book's
/// sequence, so a redelivered fill is skipped where it was applied and applied where it was not). A fill between two
/// sub-accounts of one owner is one decision. Other matching events do not move money and are ignored.
/// </summary>
/// <remarks>
/// Fills arrive in runs (<see cref="MaxBatchSize"/>): the market maker is on nearly every fill, so booking a run as one
/// write per owner instead of two writes per fill is what lets margin keep up with matching.
/// </remarks>
public sealed class MatchingFillGateway(AccountBook book)
{
    /// <summary>The most fills booked in one run; a run that fails is split and retried one fill at a time by the consumer.</summary>
    public const int MaxBatchSize = 256;

    /// <summary>
    /// The consumer's type filter: matching's non-fill events (most of the topic) are committed without their envelope
    /// or payload being read, so a run of <see cref="MaxBatchSize"/> holds that many fills, not that many messages. A
    /// fill, an unknown type and an untyped message reach the handler (the deserializer still skips non-fill payloads
    /// that arrive another way).
    /// </summary>
    public static KafkaTypeFilter Types { get; } = KafkaTypeFilter.Except(MatchingEventTypes.NonFill);

    public Task HandleAsync(KafkaInboundMessage<MatchingEvent> message, CancellationToken cancellationToken) =>
        HandleAsync([message], cancellationToken);

    public async Task HandleAsync(IReadOnlyList<KafkaInboundMessage<MatchingEvent>> messages, CancellationToken cancellationToken)
    {
        var inputs = new List<AccountInput>();
        foreach (var message in messages)
        {
            if (message.Payload.EventCase != MatchingEvent.EventOneofCase.Fill)
            {
                continue;
            }

            var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
            var at = ContractText.FromUnixNanos(message.Payload.TimeUnixNanos);
            foreach (var (owner, sides) in SidesOf(message.Payload))
            {
                inputs.Add(new AccountInput(owner, source, (state, prices) => book.Decider.Decide(state, new BookFill(sides, source, at), prices)));
            }
        }

        if (inputs.Count > 0)
        {
            await book.ApplyManyAsync(inputs, cancellationToken);
        }
    }

    public static IEnumerable<(string Owner, IReadOnlyList<FillSide> Sides)> SidesOf(MatchingEvent e)
    {
        var fill = e.Fill;
        var quantity = ContractText.Required(fill.Quantity, "fill.quantity");
        var price = ContractText.Required(fill.Price, "fill.price");
        var takerSign = fill.TakerSide switch
        {
            Side.Buy => 1m,
            Side.Sell => -1m,
            _ => throw new FormatException($"fill {fill.FillId}: taker_side is unspecified"),
        };
        var taker = new FillSide(fill.TakerAccountId, e.Market, fill.FillId, takerSign * quantity, price,
            ContractText.Optional(fill.TakerFee, "fill.taker_fee") ?? 0m, fill.FeeAsset, fill.TakerMarginMode == MarginMode.Isolated,
            ContractText.Optional(fill.TakerIsolatedCollateral, "fill.taker_isolated_collateral") ?? 0m);
        var maker = new FillSide(fill.MakerAccountId, e.Market, fill.FillId, -takerSign * quantity, price,
            ContractText.Optional(fill.MakerFee, "fill.maker_fee") ?? 0m, fill.FeeAsset, fill.MakerMarginMode == MarginMode.Isolated,
            ContractText.Optional(fill.MakerIsolatedCollateral, "fill.maker_isolated_collateral") ?? 0m);
        var takerOwner = AccountAddress.Parse(taker.AccountId).Owner;
        var makerOwner = AccountAddress.Parse(maker.AccountId).Owner;
        return string.Equals(takerOwner, makerOwner, StringComparison.Ordinal)
            ? [(takerOwner, [taker, maker])]
            : [(takerOwner, [taker]), (makerOwner, [maker])];
    }
}
