using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Funding.V1;
using Clearing.EventSourcing;
using Clearing.Funding.Application;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Google.Protobuf;

namespace Clearing.Funding.Integration;

/// <summary>
/// The edge between funding's stored events and clearing.funding.events.v1 (key = market). Fixed rates are public;
/// premium samples stay private (they are evidence, replayable from funding-{market}, and queryable through them).
/// </summary>
public sealed class FundingOutboxTranslator : IOutboxTranslator
{
    public const string RateSetType = "clearing.funding.rate-set.v1";

    public IReadOnlyCollection<string> Topics { get; } = [Contracts.Topics.FundingEvents];

    public OutboundMessage? Translate(RecordedEvent recorded)
    {
        if (recorded.Type != FundingRateFixedV1.TypeName)
        {
            return null;
        }

        var rate = (FundingRateFixedV1)FundingStoredEvents.Serializer.Deserialize(recorded);
        return OutboxMessages.For(recorded, Contracts.Topics.FundingEvents, key: rate.Market, type: RateSetType, payload: ToProto(rate).ToByteArray());
    }

    /// <summary>The public message of a fixed rate; its time is the interval boundary, so a republish is identical.</summary>
    public static FundingEvent ToProto(FundingRateFixedV1 rate) => new()
    {
        Market = rate.Market,
        Sequence = rate.Sequence,
        TimeUnixNanos = rate.IntervalEndUnixNanos,
        RateSet = new FundingRateSet
        {
            IntervalStartUnixNanos = rate.IntervalStartUnixNanos,
            IntervalEndUnixNanos = rate.IntervalEndUnixNanos,
            Rate = Text(rate.Rate),
            PremiumAverage = Text(rate.PremiumAverage),
            InterestComponent = Text(rate.InterestComponent),
            Capped = rate.Capped,
            Samples = rate.Samples,
            IndexPrice = Text(rate.IndexPrice),
            MarkPrice = rate.MarkPrice is { } mark ? Text(mark) : "",
            UncappedRate = Text(rate.UncappedRate),
            Cap = Text(rate.Cap),
            InterestRate = Text(rate.InterestRate),
        },
    };

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
