using Clearing.Cli.Commands.Replay.Margin;
using Clearing.EventSourcing;
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
}
