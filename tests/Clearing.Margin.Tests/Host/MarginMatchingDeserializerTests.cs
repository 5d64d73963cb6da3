using Clearing.Contracts.Matching.V1;
using Clearing.Margin.Integration;
using Clearing.Messaging.Kafka;
using Google.Protobuf;
using Side = Clearing.Contracts.Orders.V1.Side;

namespace Clearing.Margin.Tests.Host;

/// <summary>Margin's matching consumer parses fills only; every other matching event passes the fill gateway unparsed.</summary>
public sealed class MarginMatchingDeserializerTests
{
    private static KafkaMessageMetadata Metadata(string type) => MarginHostHarness.Message(new MatchingEvent(), "book-BTC-PERP", 1).Metadata with { Type = type };

    [Fact]
    public void every_matching_event_case_but_the_fill_has_a_skipped_type_and_no_skipped_type_names_a_fill()
    {
        var cases = Enum.GetValues<MatchingEvent.EventOneofCase>().Where(c => c is not MatchingEvent.EventOneofCase.None and not MatchingEvent.EventOneofCase.Fill);

        MarginMatchingDeserializer.NonFillTypes.Count.ShouldBe(cases.Count());
        MarginMatchingDeserializer.NonFillTypes.ShouldAllBe(t => t.StartsWith("clearing.matching.", StringComparison.Ordinal) && !t.Contains("fill", StringComparison.Ordinal));
    }

    [Fact]
    public void a_fill_is_parsed_under_its_type_and_under_an_unknown_or_empty_one_while_a_non_fill_type_is_not_parsed_at_all()
    {
        var fill = MarginHostHarness.FillMessage(3, "t-1", Side.Buy, "mm-1", 0.25m, 60_000m).Payload;
        var bytes = fill.ToByteArray();
        var deserializer = new MarginMatchingDeserializer();

        foreach (var type in new[] { "clearing.matching.fill.v1", "clearing.matching.something-new.v1", "" })
        {
            deserializer.Deserialize(bytes, Metadata(type)).ShouldBe(fill, type);
        }

        byte[] garbage = [0xFF, 0xFF, 0xFF, 0x07];
        Should.Throw<InvalidProtocolBufferException>(() => new MarginMatchingDeserializer().Deserialize(garbage, Metadata("clearing.matching.fill.v1")));
        deserializer.Deserialize(garbage, Metadata("clearing.matching.order-accepted.v1")).ShouldBeSameAs(MarginMatchingDeserializer.Skipped);
    }

    [Fact]
    public async Task skipped_events_in_a_run_of_fills_book_nothing_and_the_fills_book_as_without_them()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("t-1", 100_000m);
        await host.DepositAsync("mm-1", 1_000_000m);
        var skipped = MarginHostHarness.Message(MarginMatchingDeserializer.Skipped, "book-BTC-PERP", 1);
        var fill = MarginHostHarness.FillMessage(2, "t-1", Side.Buy, "mm-1", 0.25m, 60_000m);
        var before = (await host.AllAsync()).Count;

        await host.Fills.HandleAsync([skipped], CancellationToken.None);
        (await host.AllAsync()).Count.ShouldBe(before);
        await host.Fills.HandleAsync([skipped, fill, skipped], CancellationToken.None);

        (await host.Book.LoadAsync("t-1", CancellationToken.None)).State.Sub(0).Positions["BTC-PERP"].Size.ShouldBe(0.25m);
        (await host.Book.LoadAsync("mm-1", CancellationToken.None)).State.Sub(0).Positions["BTC-PERP"].Size.ShouldBe(-0.25m);
    }
}
