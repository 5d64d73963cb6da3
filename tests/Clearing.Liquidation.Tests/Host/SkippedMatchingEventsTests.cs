using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Integration;
using Clearing.Liquidation.Tests.Support;
using Clearing.Messaging.Kafka;
using Google.Protobuf;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Host;

/// <summary>
/// Most matching events change nothing in liquidation: the consumer leaves them unparsed and the gateway passes over
/// them without cutting the run of fills around them.
/// </summary>
public sealed class SkippedMatchingEventsTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly LiquidationMatchingDeserializer Deserializer = new();

    [Fact]
    public void fills_and_the_ends_of_liquidation_orders_are_parsed_and_every_other_event_is_skipped_unparsed()
    {
        var fill = Event(1, e => e.Fill = new Fill { FillId = "BTC-PERP:1", Quantity = "1", Price = "50000", TakerAccountId = "a", MakerAccountId = "b" });
        var liquidationCancel = Event(2, e => e.Cancelled = new OrderCancelled { OrderId = "liq-acct-1-1", AccountId = "acct-1", Reason = "ioc" });
        var liquidationReject = Event(3, e => e.Rejected = new OrderRejected { OrderId = "liq-acct-1-2", AccountId = "acct-1", Reason = "band" });
        var traderCancel = Event(4, e => e.Cancelled = new OrderCancelled { OrderId = "o-4", AccountId = "acct-2", Reason = "ioc" });
        var accepted = Event(5, e => e.Accepted = new OrderAccepted { OrderId = "o-5", AccountId = "acct-2" });

        Parse(fill, "clearing.matching.fill.v1").ShouldBe(fill);
        Parse(liquidationCancel, "clearing.matching.order-cancelled.v1").ShouldBe(liquidationCancel);
        Parse(liquidationReject, "clearing.matching.order-rejected.v1").ShouldBe(liquidationReject);
        Parse(traderCancel, "clearing.matching.order-cancelled.v1").ShouldBeSameAs(LiquidationMatchingDeserializer.Skipped);
        Parse(accepted, "clearing.matching.order-accepted.v1").ShouldBeSameAs(LiquidationMatchingDeserializer.Skipped);
        // Unparsed means unparsed: bytes that are no protobuf at all do not fail a skipped type.
        Deserializer.Deserialize([0xff, 0xff, 0xff], Metadata(6, "clearing.matching.order-rested.v1")).ShouldBeSameAs(LiquidationMatchingDeserializer.Skipped);
    }

    [Fact]
    public async Task fills_with_other_events_between_them_leave_the_same_positions_in_one_run_as_one_event_at_a_time()
    {
        await using var oneByOne = new EngineHarness(Rules(Btc()));
        await using var inRuns = new EngineHarness(Rules(Btc()));
        var events = new List<KafkaInboundMessage<MatchingEvent>>();
        for (var n = 1; n <= 30; n++)
        {
            var k = n;
            events.Add((n % 3) switch
            {
                0 => Message(Event(n, e => e.Fill = new Fill
                {
                    FillId = $"BTC-PERP:{k}", Quantity = $"0.{k % 9 + 1}", Price = $"{45_000 + k}", TakerSide = k % 2 == 0 ? Side.Buy : Side.Sell,
                    TakerAccountId = $"acct-{k % 4}", MakerAccountId = "mm-1", TakerOrderId = $"o-{k}", MakerOrderId = $"q-{k}",
                })),
                1 => Message(Event(n, e => e.Accepted = new OrderAccepted { OrderId = $"o-{k}", AccountId = "acct-9" })),
                _ => Message(LiquidationMatchingDeserializer.Skipped, n),
            });
        }

        var single = new MatchingEventGateway(oneByOne.Engine);
        foreach (var e in events)
        {
            await single.HandleAsync(e, None);
        }

        await new MatchingEventGateway(inRuns.Engine).HandleAsync(events, None);

        var expected = (await oneByOne.Engine.LoadPositionsAsync("BTC-PERP", None)).State;
        var actual = (await inRuns.Engine.LoadPositionsAsync("BTC-PERP", None)).State;
        Describe(actual).ShouldBe(Describe(expected));
        actual.Inbox.ShouldBe(expected.Inbox);
        (await inRuns.AllEventsAsync()).Select(e => e.Event).OfType<PositionFillApplied>().Count().ShouldBe(10);
    }

    private static MatchingEvent Parse(MatchingEvent e, string type) => Deserializer.Deserialize(e.ToByteArray(), Metadata(e.Sequence, type));

    private static MatchingEvent Event(long sequence, Action<MatchingEvent> body)
    {
        var e = new MatchingEvent { Market = "BTC-PERP", Sequence = sequence, TimeUnixNanos = (T0.AddSeconds(sequence) - DateTimeOffset.UnixEpoch).Ticks * 100 };
        body(e);
        return e;
    }

    private static KafkaInboundMessage<MatchingEvent> Message(MatchingEvent e, long sequence = 0) =>
        new(e, Metadata(sequence > 0 ? sequence : e.Sequence, "clearing.matching.event.v1"));

    private static KafkaMessageMetadata Metadata(long sequence, string type) => new()
    {
        Topic = Topics.MatchingEvents,
        Partition = 0,
        Offset = sequence,
        Key = "BTC-PERP",
        Id = $"book-BTC-PERP:{sequence}",
        Type = type,
        Source = "test",
        Subject = "BTC-PERP",
        Time = T0,
        SourceStream = "book-BTC-PERP",
        SourceSequence = sequence,
    };

    private static string Describe(PositionBookState state) =>
        $"oi={state.OpenInterest} " + string.Join(",", state.Positions.Select(p => $"{p.Key}={p.Value.Size}@{p.Value.EntryPrice}"));
}
