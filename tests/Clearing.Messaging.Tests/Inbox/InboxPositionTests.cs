using Clearing.Primitives.Inbox;
using System.Text.Json;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Inbox;

namespace Clearing.Messaging.Tests.Inbox;

public sealed class InboxPositionTests
{
    [Fact]
    public void inbox_applies_rising_sequences_and_skips_duplicates_and_out_of_date_ones_keeping_each_source_in_order()
    {
        // Two sources interleaved, with a republished page (3, 4 again) and a stale straggler (1) in the middle.
        (string Source, long Sequence)[] arriving =
        [
            ("book-a", 0), ("book-b", 5), ("book-a", 1), ("book-a", 3), ("book-b", 6), ("book-a", 4),
            ("book-a", 3), ("book-a", 4), ("book-a", 1), ("book-b", 6), ("book-a", 7), ("book-b", 9),
        ];

        var inbox = InboxPosition.Empty;
        var applied = new List<(string, long)>();
        var verdicts = new Dictionary<InboxVerdict, int>();
        foreach (var (source, sequence) in arriving)
        {
            var verdict = inbox.Check(source, sequence);
            verdicts[verdict] = verdicts.GetValueOrDefault(verdict) + 1;
            if (verdict == InboxVerdict.Apply)
            {
                inbox = inbox.Record(source, sequence);
                applied.Add((source, sequence));
            }
        }

        applied.Where(a => a.Item1 == "book-a").Select(a => a.Item2).ShouldBe([0, 1, 3, 4, 7]);
        applied.Where(a => a.Item1 == "book-b").Select(a => a.Item2).ShouldBe([5, 6, 9]);
        verdicts[InboxVerdict.Apply].ShouldBe(8);
        verdicts[InboxVerdict.Duplicate].ShouldBe(2, "book-a:4 and book-b:6 arrived right after themselves");
        verdicts[InboxVerdict.OutOfDate].ShouldBe(2, "book-a:3 and book-a:1 arrived after newer ones");
        (inbox.LastAppliedFor("book-a"), inbox.LastAppliedFor("book-b"), inbox.LastAppliedFor("book-c")).ShouldBe((7L, 9L, (long?)null));
    }

    [Fact]
    public void sources_are_independent_a_high_sequence_of_one_never_hides_another()
    {
        var inbox = InboxPosition.Empty.Record("account-1", 1_000);

        inbox.ShouldApply("account-2", 0).ShouldBeTrue();
        inbox.ShouldApply("account-1", 999).ShouldBeFalse();
        inbox.ShouldApply("account-1", 1_001).ShouldBeTrue();
    }

    [Fact]
    public void recording_a_repeat_is_refused_with_an_error_naming_the_source_and_both_sequences()
    {
        var inbox = InboxPosition.Empty.Record("book-a", 7);

        Should.Throw<InboxSequenceException>(() => inbox.Record("book-a", 7)).Message.ShouldContain("book-a:7 is the last applied sequence 7");
        Should.Throw<InboxSequenceException>(() => inbox.Record("book-a", 2)).Message.ShouldContain("book-a:2 is below the last applied sequence 7");
    }

    [Fact]
    public void an_empty_source_or_a_negative_sequence_is_refused()
    {
        Should.Throw<ArgumentException>(() => InboxPosition.Empty.Check(" ", 1)).Message.ShouldContain("source stream");
        Should.Throw<ArgumentOutOfRangeException>(() => InboxPosition.Empty.Record("book-a", -1)).Message.ShouldContain("book-a");
        Should.Throw<ArgumentOutOfRangeException>(() => new InboxPosition(new Dictionary<string, long> { ["book-a"] = -5 }));
    }

    [Fact]
    public void inbox_position_is_an_immutable_value_with_equality_and_an_ordered_json_form()
    {
        var before = InboxPosition.Empty.Record("book-b", 2);
        var after = before.Record("book-a", 1);

        before.Count.ShouldBe(1, "recording returns a new position and leaves the old one alone");
        after.ShouldBe(InboxPosition.Empty.Record("book-a", 1).Record("book-b", 2));
        after.GetHashCode().ShouldBe(InboxPosition.Empty.Record("book-a", 1).Record("book-b", 2).GetHashCode());
        after.ShouldNotBe(before);
        (after == before.Record("book-a", 1)).ShouldBeTrue();

        var json = JsonSerializer.Serialize(after, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        json.ShouldBe("""{"lastApplied":{"book-a":1,"book-b":2}}""");
        JsonSerializer.Deserialize<InboxPosition>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)).ShouldBe(after);
    }

    [Fact]
    public void the_metadata_overloads_key_the_inbox_by_the_source_stream_and_sequence_headers()
    {
        var first = Metadata("account-9", 4);
        var inbox = InboxPosition.Empty;

        inbox.ShouldApply(first).ShouldBeTrue();
        inbox = inbox.Record(first);
        inbox.Check(first).ShouldBe(InboxVerdict.Duplicate);
        inbox.Check(Metadata("account-9", 3)).ShouldBe(InboxVerdict.OutOfDate);
        inbox.ShouldApply(Metadata("account-9", 5)).ShouldBeTrue();
    }

    internal static KafkaMessageMetadata Metadata(string stream, long sequence, string? correlationId = null) => new()
    {
        Topic = "t",
        Partition = 0,
        Offset = sequence,
        Key = stream,
        Id = $"{stream}:{sequence}",
        Type = "clearing.test.v1",
        Source = "/clearing/tests",
        Subject = stream,
        Time = DateTimeOffset.UnixEpoch,
        SourceStream = stream,
        SourceSequence = sequence,
        CorrelationId = correlationId,
    };
}
