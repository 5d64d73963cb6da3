using System.Text;
using System.Text.Json;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Margin.Tests.Accounts;

/// <summary>
/// The hand-written JSON of the per-fill events (MarginFastJson) against the source-generated serializer it replaces
/// on the hot path: the stored bytes must be identical (event hashes, replay, every other reader), what it reads must
/// equal what the generated serializer reads, and any other shape must still read as the generated serializer reads it.
/// </summary>
public sealed class MarginFastJsonTests
{
    private static readonly string[] Texts = ["acct-1", "acct-12:3", "system:fee-pool", "BTC-PERP", "USDC", "", "dép-ü", "a\"b\\c", "<&>'+", "tab\there", "\u0001\u001f", "😀x", new string('k', 90)];

    private static readonly decimal[] Amounts =
    [
        0m, 1m, -1m, 0.1m, -2.45616m, 1396.0731800m, -117777.362200m, 100000.00m, 0.000000000000000000000000001m,
        79228162514264337593543950335m, -79228162514264337593543950335m, 1.0000000000000000000000000000m,
    ];

    private static readonly DateTimeOffset[] Times =
    [
        new(2026, 11, 26, 12, 28, 21, TimeSpan.Zero), new DateTimeOffset(2026, 11, 26, 12, 28, 21, TimeSpan.Zero).AddTicks(7_061_190),
        new DateTimeOffset(2027, 3, 26, 8, 0, 0, TimeSpan.FromHours(5.5)).AddTicks(1), DateTimeOffset.MinValue, DateTimeOffset.MaxValue,
    ];

    private static byte[] Generated(object e) => JsonSerializer.SerializeToUtf8Bytes(e, e.GetType(), MarginEventTypes.GeneratedOptions);

    private static byte[] Stored(object e) => MarginEventTypes.Serializer.Serialize(e).Data.ToArray();

    private static string Text(Random random) => Texts[random.Next(Texts.Length)];

    private static decimal Amount(Random random) => random.Next(3) == 0
        ? Amounts[random.Next(Amounts.Length)]
        : new decimal(random.Next(), random.Next(1000), 0, random.Next(2) == 0, (byte)random.Next(12));

    private static List<Posting> Postings(Random random)
    {
        var count = random.Next(0, 5);
        var postings = new List<Posting>();
        for (var i = 0; i < count; i++)
        {
            // Moderate amounts: the balancing posting below must not overflow (the extremes are covered by positions).
            postings.Add(new Posting(Text(random), random.Next(3) == 0 ? "BTC" : "USDC", new decimal(random.Next(), random.Next(1000), 0, random.Next(2) == 0, (byte)random.Next(28))));
        }

        if (random.Next(2) == 0 && postings.Count > 0)
        {
            // Balance the first asset so both values of isBalanced occur.
            var asset = postings[0].Asset;
            postings.Add(new Posting("system:settlement", asset, -postings.Where(p => p.Asset == asset).Sum(p => p.Amount)));
        }

        return postings;
    }

    private static LedgerLine Line(Random random) =>
        new(Enum.GetValues<LedgerKind>()[random.Next(15)], Text(random), Text(random), Postings(random));

    private static PositionChanged Changed(Random random) =>
        new(Text(random), Text(random), Enum.GetValues<PositionChange>()[random.Next(6)], Text(random), Amount(random), Amount(random),
            new Position(Text(random), Amount(random), Amount(random), random.Next(2) == 0, Amount(random), Amount(random), Amount(random), Amount(random)),
            Enumerable.Range(0, random.Next(0, 4)).Select(_ => Line(random)).ToList(), Times[random.Next(Times.Length)]);

    private static LedgerEntryRecorded Entry(Random random) =>
        new(random.NextInt64(), Text(random), Enum.GetValues<LedgerKind>()[random.Next(15)], Text(random), Text(random), Text(random), Postings(random),
            Times[random.Next(Times.Length)], Text(random), random.NextInt64(-1, long.MaxValue), random.NextInt64(), random.Next());

    [Fact]
    public void a_position_change_is_stored_byte_for_byte_as_the_generated_serializer_writes_it()
    {
        var random = new Random(81);
        for (var i = 0; i < 2_000; i++)
        {
            var e = Changed(random);
            MarginFastJson.CanWrite(e).ShouldBeTrue();

            Encoding.UTF8.GetString(Stored(e)).ShouldBe(Encoding.UTF8.GetString(Generated(e)), $"event {i}");
        }
    }

    [Fact]
    public void a_ledger_entry_is_stored_byte_for_byte_as_the_generated_serializer_writes_it()
    {
        var random = new Random(82);
        for (var i = 0; i < 2_000; i++)
        {
            var e = Entry(random);
            MarginFastJson.CanWrite(e).ShouldBeTrue();

            Encoding.UTF8.GetString(Stored(e)).ShouldBe(Encoding.UTF8.GetString(Generated(e)), $"entry {i}");
        }
    }

    [Fact]
    public void events_with_null_members_or_undefined_enum_values_are_left_to_the_generated_serializer_and_stored_the_same()
    {
        var random = new Random(83);
        var changed = Changed(random) with { LedgerLines = [new LedgerLine(LedgerKind.Funding, "r", "m", [new Posting("a", "USDC", 1m), new Posting("b", "USDC", -1m)])] };
        var entry = Entry(random);
        object[] odd =
        [
            changed with { Reference = null! },
            changed with { Cause = (PositionChange)99 },
            changed with { After = changed.After with { Market = null! } },
            changed with { LedgerLines = [changed.LedgerLines[0] with { Kind = (LedgerKind)77 }] },
            changed with { LedgerLines = [changed.LedgerLines[0] with { Postings = [new Posting(null!, "USDC", 0m)] }] },
            entry with { EntryId = null! },
            entry with { Kind = (LedgerKind)0 },
            entry with { Postings = [new Posting("a", null!, 1m)] },
        ];

        foreach (var e in odd)
        {
            var canWrite = e is PositionChanged p ? MarginFastJson.CanWrite(p) : MarginFastJson.CanWrite((LedgerEntryRecorded)e);
            canWrite.ShouldBeFalse(e.ToString());
            Encoding.UTF8.GetString(Stored(e)).ShouldBe(Encoding.UTF8.GetString(Generated(e)), e.ToString());
        }
    }

    [Fact]
    public void a_stored_ledger_entry_reads_back_by_hand_as_the_generated_serializer_reads_it()
    {
        var random = new Random(84);
        for (var i = 0; i < 2_000; i++)
        {
            var bytes = Generated(Entry(random));
            var reader = new Utf8JsonReader(bytes);
            reader.Read();
            MarginFastJson.TryReadLedgerEntry(ref reader, out var fast).ShouldBeTrue($"entry {i}");

            var generated = JsonSerializer.Deserialize<LedgerEntryRecorded>(bytes, MarginEventTypes.GeneratedOptions)!;
            Generated(fast).ShouldBe(Generated(generated), $"entry {i}");
            Generated(MarginEventTypes.Serializer.Deserialize("margin.ledger-entry-recorded.v1", bytes)).ShouldBe(bytes, $"entry {i}");
        }
    }

    [Theory]
    [InlineData("""{"Sequence":3,"EntryId":"e","Kind":"Funding","Reference":"r","Market":"m","AccountId":"a","Postings":[{"AccountId":"a","Asset":"USDC","Amount":1}],"At":"2026-01-01T00:00:00+00:00","SourceStream":"s","SourceVersion":1,"SourcePosition":2,"LineIndex":0}""")]
    [InlineData("""{"sequence":"3","entryId":"e","kind":6,"reference":"r","market":"m","accountId":"a","postings":[{"accountId":"a","asset":"USDC","amount":"1.50"}],"at":"2026-01-01T00:00:00Z","sourceStream":"s","sourceVersion":1,"sourcePosition":2,"lineIndex":0,"extra":{"x":[1,2]}}""")]
    [InlineData("""{"sequence":3,"entryId":"e\u0041","kind":"funding","reference":"r","market":"m","accountId":"\u0061","postings":[],"at":"2026-01-01T00:00:00+00:00","sourceStream":"s","sourceVersion":1,"sourcePosition":2,"lineIndex":0}""")]
    [InlineData("""{"sequence":3,"entryId":"e","kind":"Funding","reference":"r","market":"m","accountId":"a","postings":[],"at":"2026-01-01T00:00:00+00:00","sourceStream":"s","sourceVersion":1,"sourcePosition":2}""")]
    [InlineData("""{"sequence":3,"sequence":4,"entryId":"e","kind":"Funding","reference":"r","market":"m","accountId":"a","postings":null,"at":"2026-01-01T00:00:00+00:00","sourceStream":"s","sourceVersion":1,"sourcePosition":2,"lineIndex":0}""")]
    public void a_ledger_entry_in_any_other_shape_reads_as_the_generated_serializer_reads_it(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        MarginFastJson.TryReadLedgerEntry(ref reader, out _).ShouldBeFalse("not the shape margin writes");

        var generated = JsonSerializer.Deserialize<LedgerEntryRecorded>(bytes, MarginEventTypes.GeneratedOptions)!;
        Generated(MarginEventTypes.Serializer.Deserialize("margin.ledger-entry-recorded.v1", bytes)).ShouldBe(Generated(generated));
    }

    [Theory]
    [InlineData("""{"sequence":3,"entryId":"e","kind":"Funding","reference":"r","market":"m","accountId":"a","postings":[],"at":"yesterday","sourceStream":"s","sourceVersion":1,"sourcePosition":2,"lineIndex":0}""")]
    [InlineData("""{"sequence":3,"entryId":"e","kind":"Funding","reference":"r","market":"m","accountId":"a","postings":[{"accountId":"a","asset":"USDC","amount":1e40}],"at":"2026-01-01T00:00:00+00:00","sourceStream":"s","sourceVersion":1,"sourcePosition":2,"lineIndex":0}""")]
    [InlineData("""{"sequence":3,"entryId":"e","kind":"Sideways","reference":"r","market":"m","accountId":"a","postings":[],"at":"2026-01-01T00:00:00+00:00","sourceStream":"s","sourceVersion":1,"sourcePosition":2,"lineIndex":0}""")]
    public void a_malformed_ledger_entry_is_refused_as_the_generated_serializer_refuses_it(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = Should.Throw<JsonException>(() => JsonSerializer.Deserialize<LedgerEntryRecorded>(bytes, MarginEventTypes.GeneratedOptions));

        Should.Throw<JsonException>(() => MarginEventTypes.Serializer.Deserialize("margin.ledger-entry-recorded.v1", bytes)).Path.ShouldBe(expected.Path);
    }

    [Fact]
    public void the_ledger_lines_of_stored_position_changes_and_money_moves_read_by_hand_equal_the_generated_read()
    {
        var random = new Random(85);
        for (var i = 0; i < 2_000; i++)
        {
            var changed = Changed(random);
            object e = i % 3 == 0 ? new MoneyMoved(changed.AccountId, Text(random), changed.LedgerLines, changed.At) : changed;
            var type = MarginEventTypes.Map.NameOf(e.GetType()).Name;
            var bytes = Stored(e);

            MarginFastJson.TryReadStoredLedgerLines(bytes, out var fast).ShouldBeTrue($"event {i}");
            var generated = MarginEventTypes.ReadStoredLedgerLinesGenerated(type, bytes);
            fast.AccountId.ShouldBe(generated.AccountId);
            Generated(Lines(fast)).ShouldBe(Generated(Lines(generated)), $"event {i}");
            Generated(Lines(MarginEventTypes.ReadStoredLedgerLines(type, bytes)!)).ShouldBe(Generated(Lines(generated)));
        }
    }

    [Theory]
    [InlineData("""{"AccountId":"a","LedgerLines":[{"Kind":"Funding","Reference":"r","Market":"m","Postings":[{"AccountId":"a","Asset":"USDC","Amount":1}]}]}""")]
    [InlineData("""{"accountId":"a","ledgerLines":[{"kind":"Funding","reference":"r","market":"m","postings":[{"accountId":"a","asset":"USDC","amount":"1"}]}],"newField":true}""")]
    [InlineData("""{"accountId":"a","ledgerLines":[{"kind":6,"reference":"r","market":"m","postings":[]}]}""")]
    [InlineData("""{"accountId":"\u0061","reason":"fee","ledgerLines":[]}""")]
    [InlineData("""{"accountId":"a","after":null,"quantity":"x","ledgerLines":null}""")]
    public void stored_ledger_lines_in_any_other_shape_read_as_the_generated_serializer_reads_them(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var generated = MarginEventTypes.ReadStoredLedgerLinesGenerated("margin.money-moved.v1", bytes);
        var read = MarginEventTypes.ReadStoredLedgerLines("margin.money-moved.v1", bytes)!;

        read.AccountId.ShouldBe(generated.AccountId);
        (read.LedgerLines is null).ShouldBe(generated.LedgerLines is null);
        if (generated.LedgerLines is not null)
        {
            Generated(Lines(read)).ShouldBe(Generated(Lines(generated)));
        }
    }

    [Fact]
    public void a_malformed_position_change_is_refused_by_the_ledger_read_as_the_generated_serializer_refuses_it()
    {
        var bytes = """{"accountId":"a","ledgerLines":[{"kind":"Funding","reference":"r","market":"m","postings":[{"accountId":"a","asset":"USDC","amount":1e40}]}]}"""u8.ToArray();

        MarginFastJson.TryReadStoredLedgerLines(bytes, out _).ShouldBeFalse();
        Should.Throw<JsonException>(() => MarginEventTypes.ReadStoredLedgerLines("margin.position-changed.v1", bytes));
    }

    [Fact]
    public void the_balance_check_written_for_each_line_equals_the_lines_own()
    {
        var random = new Random(86);
        for (var i = 0; i < 5_000; i++)
        {
            var line = Line(random);

            MarginFastJson.IsBalanced(line.Postings).ShouldBe(line.IsBalanced, $"line {i}");
        }
    }

    [Fact]
    public void a_position_change_read_back_from_the_store_equals_the_one_written()
    {
        var random = new Random(87);
        for (var i = 0; i < 500; i++)
        {
            var e = Changed(random);
            var stored = MarginEventTypes.Serializer.Serialize(e);

            var read = (PositionChanged)MarginEventTypes.Serializer.Deserialize(stored.Type, stored.Data.Span);
            Generated(read).ShouldBe(Generated(e));
            read.After.ShouldBe(e.After);
        }
    }

    private static PositionChanged Lines(StoredLedgerLines stored) =>
        new(stored.AccountId, "", PositionChange.Fill, "", 0m, 0m, new Position("", 0m, 0m), stored.LedgerLines, DateTimeOffset.UnixEpoch);
}
