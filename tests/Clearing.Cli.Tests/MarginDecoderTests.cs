using Clearing.Cli.Commands.Replay.Margin;
using Clearing.EventSourcing;
using System.Text.Json.Nodes;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Tests;

public sealed class MarginDecoderTests
{
    [Fact]
    public void the_inbox_record_fast_path_reads_exactly_what_the_serializer_wrote()
    {
        var data = MarginEventTypes.Serializer.Serialize(new MessageApplied("book-BTC-PERP", 9_007_199_254_740_993));

        MarginDecoder.TryReadMessageApplied(data.Data.Span, out var applied).ShouldBeTrue();

        applied.ShouldBe(new MessageApplied("book-BTC-PERP", 9_007_199_254_740_993));
        MarginEventTypes.Serializer.Deserialize(data.Type, data.Data.Span).ShouldBe(applied);
    }

    [Theory]
    [InlineData("{\"sourceStream\":\"x\"}")]
    [InlineData("{\"sourceStream\":\"x\",\"sourceSequence\":1,\"extra\":2}")]
    [InlineData("[]")]
    public void anything_but_the_exact_shape_falls_back_to_the_serializer(string json)
    {
        MarginDecoder.TryReadMessageApplied(System.Text.Encoding.UTF8.GetBytes(json), out _).ShouldBeFalse();
    }

    [Fact]
    public void an_unknown_event_type_in_an_account_stream_fails_naming_the_stream_and_version()
    {
        var recorded = new RecordedEvent("account-acct-1", 4, 17, Guid.NewGuid(), "margin.unheard-of.v9", 1, "{}"u8.ToArray(), default,
            DateTimeOffset.UnixEpoch, null, null, default, default);

        var error = Should.Throw<InvalidDataException>(() => new MarginStoreFold().Apply(recorded));

        error.Message.ShouldContain("account-acct-1 version 4");
        error.Message.ShouldContain("margin.unheard-of.v9");
    }

    private static PositionChanged Sample(decimal quantity = 0.123456789012345678m, bool isolated = true) => new(
        "acct-7:2", "BTC-PERP", PositionChange.Fill, "BTC-PERP:fill-9", quantity, 60_123.45m,
        new Position("BTC-PERP", 1.5m, 90_185.175m, isolated, 1_234.5m, -12.25m, 3.75m, -0.000001m),
        [
            LedgerLine.Between(LedgerKind.RealizedPnl, "BTC-PERP:fill-9", "BTC-PERP", "USDC", "acct-7:2", SystemAccounts.Settlement, -12.25m),
            LedgerLine.Between(LedgerKind.TradingFee, "BTC-PERP:fill-9", "BTC-PERP", "USDC", SystemAccounts.FeePool, "acct-7:2", 3.75m),
        ],
        new DateTimeOffset(2026, 11, 25, 17, 30, 0, 123, TimeSpan.Zero).AddTicks(4567));

    private static string Json(object @event) => System.Text.Json.JsonSerializer.Serialize(@event, @event.GetType(), MarginEventTypes.Options);

    [Theory]
    [InlineData("0.123456789012345678")]
    [InlineData("-79228162514264337593543950335")]
    [InlineData("0.0000000000000000000000000001")]
    [InlineData("0")]
    public void the_position_change_hand_reader_reads_exactly_what_the_serializer_reads(string quantity)
    {
        var written = MarginEventTypes.Serializer.Serialize(Sample(decimal.Parse(quantity, System.Globalization.CultureInfo.InvariantCulture)));

        new MarginFastReader().TryReadPositionChanged(written.Data.Span, out var read).ShouldBeTrue();

        var expected = (PositionChanged)MarginEventTypes.Serializer.Deserialize(written.Type, written.Data.Span);
        Json(read).ShouldBe(Json(expected));
        read.After.ShouldBe(expected.After);
        read.LedgerLines.SelectMany(l => l.Postings).ShouldBe(expected.LedgerLines.SelectMany(l => l.Postings));
    }

    [Fact]
    public void properties_in_another_order_are_read_by_hand_all_the_same()
    {
        var node = JsonNode.Parse(MarginEventTypes.Serializer.Serialize(Sample()).Data.Span)!.AsObject();
        var reversed = new JsonObject(node.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())).ToArray());

        new MarginFastReader().TryReadPositionChanged(System.Text.Encoding.UTF8.GetBytes(reversed.ToJsonString()), out var read).ShouldBeTrue();

        Json(read).ShouldBe(Json(Sample()));
    }

    [Theory]
    [InlineData("quantity", "\"1.5\"")]
    [InlineData("cause", "1")]
    [InlineData("cause", "\"fill\"")]
    [InlineData("extra", "true")]
    [InlineData("accountId", "\"acct\\u002D7\"")]
    public void a_shape_the_hand_reader_does_not_know_falls_back_to_the_serializer_with_the_same_result(string property, string value)
    {
        var node = JsonNode.Parse(MarginEventTypes.Serializer.Serialize(Sample()).Data.Span)!.AsObject();
        node[property] = JsonNode.Parse(value);
        var bytes = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        var recorded = new RecordedEvent("account-acct-7", 3, 10, Guid.NewGuid(), MarginDecoder.PositionChangedType, 1, bytes, default,
            DateTimeOffset.UnixEpoch, null, null, default, default);

        var byHand = new MarginFastReader().TryReadPositionChanged(bytes, out _);
        var decoded = new MarginDecoder().Read(recorded);

        if (property is "accountId")
        {
            // An escaped string value is still read by hand (unescaped by the reader), and must equal the serializer's.
            byHand.ShouldBeTrue();
        }
        else
        {
            byHand.ShouldBeFalse();
        }
        Json(decoded).ShouldBe(Json(MarginEventTypes.Serializer.Deserialize(recorded)));
    }

    [Fact]
    public async Task every_event_of_a_margin_store_decodes_by_hand_as_the_serializer_decodes_it()
    {
        await using var margin = new MarginStoreHarness();
        await margin.WriteLiquidationStoryAsync();
        var decoder = new MarginDecoder();
        var byHand = 0;

        await foreach (var recorded in margin.Store.ReadAllAsync(1, int.MaxValue, MarginEventTypes.AccountCategory))
        {
            byHand += recorded.Type == MarginDecoder.PositionChangedType ? 1 : 0;
            Json(decoder.Read(recorded)).ShouldBe(Json(MarginEventTypes.Serializer.Deserialize(recorded)), $"{recorded.StreamId}@{recorded.StreamVersion}");
        }
        byHand.ShouldBeGreaterThan(3);
    }
}
