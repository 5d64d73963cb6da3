using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Integration;
using Clearing.Liquidation.Tests.Support;
using Clearing.Messaging.Kafka;
using static Clearing.Liquidation.Tests.Support.Given;

namespace Clearing.Liquidation.Tests.Host;

/// <summary>Liquidation takes matching's events in runs: the positions and liquidations must come out as they do one event at a time.</summary>
public sealed class BatchedMatchingEventsTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task a_run_of_fills_around_a_liquidation_fill_leaves_the_same_positions_and_slice_as_one_event_at_a_time()
    {
        var rules = Rules(Btc(), Btc(r => r with { Market = "ETH-PERP" }));
        await using var oneByOne = new EngineHarness(rules);
        await using var inRuns = new EngineHarness(rules);
        var slice = await StartLiquidationAsync(oneByOne);
        (await StartLiquidationAsync(inRuns)).ShouldBe(slice);
        var events = Run(slice.OrderId);

        var single = new MatchingEventGateway(oneByOne.Engine);
        foreach (var e in events)
        {
            await single.HandleAsync(e, None);
        }

        var batched = new MatchingEventGateway(inRuns.Engine);
        await batched.HandleAsync(events, None);
        await batched.HandleAsync(events[5..], None); // a redelivered tail changes nothing

        foreach (var market in new[] { "BTC-PERP", "ETH-PERP" })
        {
            var expected = (await oneByOne.Engine.LoadPositionsAsync(market, None)).State;
            var actual = (await inRuns.Engine.LoadPositionsAsync(market, None)).State;
            Describe(actual).ShouldBe(Describe(expected), market);
            actual.OpenInterest.ShouldBeGreaterThan(0m);
        }

        var slices = (await inRuns.AllEventsAsync()).Select(e => e.Event).OfType<SliceFilled>().ToList();
        slices.ShouldHaveSingleItem().Quantity.ShouldBe(0.2m);
        (await inRuns.Engine.LoadFundAsync(None)).State.Balance.ShouldBe((await oneByOne.Engine.LoadFundAsync(None)).State.Balance);
    }

    private static async Task<SlicePlaced> StartLiquidationAsync(EngineHarness harness)
    {
        await harness.Engine.HandleRiskAsync(Risk(source: new("account-acct-1", 1)), None);
        return (await harness.AllEventsAsync()).Select(e => e.Event).OfType<SlicePlaced>().Single();
    }

    /// <summary>Twelve fills on two markets between three traders, with the liquidation slice's fill as the seventh.</summary>
    private static List<KafkaInboundMessage<MatchingEvent>> Run(string sliceOrderId) =>
        Enumerable.Range(1, 12).Select(n =>
        {
            var market = n % 3 == 0 ? "ETH-PERP" : "BTC-PERP";
            var fill = new Fill
            {
                FillId = $"{market}:{n}",
                Quantity = n == 7 ? "0.2" : $"0.0{n % 9 + 1}",
                Price = market == "ETH-PERP" ? $"{3_000 + n}" : $"{45_000 + n}",
                TakerSide = n % 2 == 0 ? Side.Buy : Side.Sell,
                TakerAccountId = n == 7 ? "acct-1" : $"acct-{n % 2 + 2}",
                MakerAccountId = "mm-1",
                TakerOrderId = n == 7 ? sliceOrderId : $"o-{n}",
                MakerOrderId = $"q-{n}",
                TakerOrigin = n == 7 ? Origin.Liquidation : Origin.Trader,
            };
            var e = new MatchingEvent { Market = market, Sequence = n, TimeUnixNanos = (T0.AddSeconds(n) - DateTimeOffset.UnixEpoch).Ticks * 100, Fill = fill };
            return new KafkaInboundMessage<MatchingEvent>(e, new KafkaMessageMetadata
            {
                Topic = Topics.MatchingEvents,
                Partition = 0,
                Offset = n,
                Key = market,
                Id = $"book-{market}:{n}",
                Type = "clearing.matching.event.v1",
                Source = "test",
                Subject = market,
                Time = T0,
                SourceStream = $"book-{market}",
                SourceSequence = n,
            });
        }).ToList();

    private static string Describe(Clearing.Liquidation.Domain.Positions.PositionBookState state) =>
        $"oi={state.OpenInterest} " + string.Join(",", state.Positions.Select(p => $"{p.Key}={p.Value.Size}@{p.Value.EntryPrice}"));
}
