using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Cli.Commands.Replay;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Tests;

/// <summary>
/// The fast paths of a rebuild (session 5): batches handed between the read and fold stages, the compact ledger and its
/// rows written as JSON text without a tree, the text-first diff, and the fresh store's raw insert and buffered read.
/// </summary>
public sealed class ReplayRowsTests : IAsyncLifetime
{
    private readonly MarginStoreHarness _margin = new();

    public Task InitializeAsync() => _margin.WriteLiquidationStoryAsync();

    public async Task DisposeAsync() => await _margin.DisposeAsync();

    private static string Rows(IReplayProjection projection) =>
        string.Join('\n', projection.RowsInKeyOrder().Select(r => $"{r.Key}={r.Text}"));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task the_two_stage_fold_gives_the_same_rows_whatever_the_batch_size(int batchSize)
    {
        var head = await _margin.Store.GetHeadPositionAsync();
        var module = new MarginReplayModule();
        var batched = module.CreateProjections();
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        var reported = new List<long>();

        var folded = await ReplayRunner.FoldAsync(_margin.Store, module, batched, 1, head, byType, reported.Add, CancellationToken.None, batchSize);

        IReplayProjection[] sequential = [new MarginAccountsProjection(), new MarginLedgerProjection()];
        await foreach (var recorded in _margin.Store.ReadAllAsync(1, int.MaxValue))
        {
            foreach (var projection in sequential)
            {
                projection.Apply(recorded);
            }
        }
        folded.ShouldBe(head);
        byType.Values.Sum().ShouldBe(head);
        reported.Sum().ShouldBe(head);
        reported.ShouldAllBe(count => count >= 1 && count <= batchSize);
        for (var i = 0; i < sequential.Length; i++)
        {
            Rows(batched[i]).ShouldBe(Rows(sequential[i]), batched[i].Name);
        }
    }

    [Fact]
    public async Task a_fold_over_a_range_folds_exactly_the_events_of_that_range_across_batch_boundaries()
    {
        var module = new MarginReplayModule();
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);

        var folded = await ReplayRunner.FoldAsync(_margin.Store, module, module.CreateProjections(), 5, 17, byType, _ => { }, CancellationToken.None, batchSize: 4);

        folded.ShouldBe(13);
        byType.Values.Sum().ShouldBe(13);
    }

    private static LedgerLine Line(string reference, decimal amount) =>
        LedgerLine.Between(LedgerKind.TradingFee, reference, "BTC-PERP", "USDC", "system:fees", "acct-1:2", amount);

    private static string Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData("BTC-PERP:17", 0.0003)]
    [InlineData("quote\"d <&> +plus é ü 日本", -12345678.123456789012)]
    [InlineData("", 1)]
    public void a_ledger_row_written_without_a_tree_is_the_same_text_as_the_ledger_row_tree(string reference, double amount)
    {
        var ledger = new CompactLedger();
        var at = new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.FromHours(2));
        ledger.Add(Line(reference, (decimal)amount), 1, "acct-1:2", at, "account-acct-1", 42, 1_000_001);

        var entry = ledger.EntryAt(0);
        var tree = MarginRows.LedgerRow(entry).ToJsonString();

        entry.Reference.ShouldBe(reference);
        entry.At.ShouldBe(at);
        entry.Postings.Sum(p => p.Amount).ShouldBe(0m);
        Written(w => ledger.WriteRow(0, w)).ShouldBe(tree);
        Written(w => MarginRows.WriteLedgerRow(w, entry)).ShouldBe(tree);
    }

    [Fact]
    public void entries_past_a_chunk_and_references_past_an_arena_block_read_back_as_added()
    {
        var ledger = new CompactLedger();
        const int count = 70_000;
        var reference = new string('r', 40);
        for (var i = 0; i < count; i++)
        {
            // Two lines per event share its reference; every event has its own (70,000 × 40 chars > one arena block).
            var own = $"{reference}{i:D8}";
            ledger.Add(Line(own, i + 0.5m), 0, "acct-1", DateTimeOffset.UnixEpoch.AddSeconds(i), "account-acct-1", i, i + 1);
            if (i % 2 == 0)
            {
                ledger.Add(Line(own, -i), 1, "acct-1", DateTimeOffset.UnixEpoch.AddSeconds(i), "account-acct-1", i, i + 1);
            }
        }

        ledger.Count.ShouldBe(count + (count / 2));
        foreach (var index in new[] { 0, 1, 65_535, 65_536, 65_537, ledger.Count - 1 })
        {
            var entry = ledger.EntryAt(index);
            var recorded = entry.SourceVersion;
            entry.Reference.ShouldBe($"{reference}{recorded:D8}");
            entry.Sequence.ShouldBe(index + 1L);
            entry.Postings[0].Amount.ShouldBe(entry.LineIndex == 0 ? recorded + 0.5m : -recorded);
            Written(w => ledger.WriteRow(index, w)).ShouldBe(MarginRows.LedgerRow(entry).ToJsonString());
        }
    }

    private static async IAsyncEnumerable<ReplayRow> Sequence(params (string Key, string Json)[] rows)
    {
        foreach (var (key, json) in rows)
        {
            await Task.Yield();
            yield return new ReplayRow(key, Encoding.UTF8.GetBytes(json));
        }
    }

    [Fact]
    public async Task rows_with_the_same_json_written_differently_are_not_a_difference_and_a_changed_value_is()
    {
        var diff = await ReplayRunner.DiffInKeyOrderAsync("p",
            Sequence(("a", """{"x":1,"y":"2"}"""), ("b", """{"x":1}"""), ("c", """{"x":1}""")),
            Sequence(("a", """{ "y": "2", "x": 1 }"""), ("b", """{"x":2}"""), ("d", """{"x":1}""")),
            maxListed: 10, CancellationToken.None);

        diff.Count.ShouldBe(3);
        diff.RebuiltRows.ShouldBe(3);
        diff.LiveRows.ShouldBe(3);
        diff.Listed.Select(d => d["key"]!.GetValue<string>()).ShouldBe(["b", "c", "d"]);
        diff.Listed[0]["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["x"]);
        diff.Listed[1]["live"].ShouldBeNull();
        diff.Listed[2]["rebuilt"].ShouldBeNull();
    }

    [Fact]
    public async Task a_fresh_store_gives_back_each_row_whole_whatever_its_length()
    {
        var file = new FileInfo(Path.Combine(_margin.Data.FullName, "rows.db"));
        var rows = new[] { ("k1", """{"a":"short"}"""), ("k2", JsonSerializer.Serialize(new { a = new string('x', 5_000), b = "é" })), ("k3", """{"a":3}""") };
        using var store = ReplayStore.Create(file, replace: false);

        store.WriteRows("p", rows.Select(r => new ReplayRow(r.Item1, Encoding.UTF8.GetBytes(r.Item2))), CancellationToken.None).ShouldBe(3);

        var read = new List<(string, string)>();
        await foreach (var row in store.ReadRowsAsync("p", CancellationToken.None))
        {
            read.Add((row.Key, row.Text));
        }
        read.ShouldBe(rows);
        JsonNode.Parse(read[1].Item2)!["b"]!.GetValue<string>().ShouldBe("é");
    }

    /// <summary>Rows from one reused buffer, as margin's ledger rows come: a consumer that did not copy would see the last.</summary>
    private static async IAsyncEnumerable<ReplayRow> ReusingOneBuffer(int count, int failAt = -1)
    {
        var buffer = new byte[4_096];
        for (var i = 0; i < count; i++)
        {
            if (i == failAt)
            {
                throw new InvalidDataException($"row {i} cannot be read");
            }
            // Rows of growing length, so a batch's buffer has to grow too.
            var length = Encoding.UTF8.GetBytes($"{{\"n\":{i},\"pad\":\"{new string('p', i % 3_000)}\"}}", buffer);
            await Task.CompletedTask;
            yield return new ReplayRow($"k{i:D6}", buffer.AsMemory(0, length));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(513)]
    [InlineData(2_600)]
    public async Task rows_read_ahead_on_their_own_stage_arrive_whole_and_in_order_across_batches(int count)
    {
        var seen = 0;
        await foreach (var row in RowPrefetch.RunAheadAsync(ReusingOneBuffer(count), CancellationToken.None))
        {
            row.Key.ShouldBe($"k{seen:D6}");
            var json = row.Parse("p");
            json["n"]!.GetValue<int>().ShouldBe(seen);
            json["pad"]!.GetValue<string>().Length.ShouldBe(seen % 3_000);
            seen++;
        }
        seen.ShouldBe(count);
    }

    [Fact]
    public async Task a_failure_of_the_read_ahead_source_reaches_the_consumer_after_the_rows_before_it()
    {
        var seen = 0;
        var error = await Should.ThrowAsync<InvalidDataException>(async () =>
        {
            await foreach (var _ in RowPrefetch.RunAheadAsync(ReusingOneBuffer(2_000, failAt: 1_300), CancellationToken.None))
            {
                seen++;
            }
        });

        error.Message.ShouldBe("row 1300 cannot be read");
        seen.ShouldBe(1_024);
    }

    [Fact]
    public async Task a_consumer_that_stops_early_stops_the_read_ahead_stage()
    {
        var taken = 0;
        await foreach (var _ in RowPrefetch.RunAheadAsync(ReusingOneBuffer(100_000), CancellationToken.None))
        {
            if (++taken == 10)
            {
                break;
            }
        }

        taken.ShouldBe(10);
    }

    private static LedgerEntryRecorded Entry(string reference) => new(7, "account-acct-1:3:1", LedgerKind.RealizedPnl, reference, "BTC-PERP", "acct-1:2",
        [new Posting("acct-1:2", "USDC", -12.345678901234m), new Posting("system:pnl", "USDC", 12.345678901234m)],
        new DateTimeOffset(2026, 11, 25, 12, 0, 0, 123, TimeSpan.Zero), "account-acct-1", 3, 99, 1);

    private static string Json(LedgerEntryRecorded entry) => JsonSerializer.Serialize(entry, MarginEventTypes.Options);

    [Theory]
    [InlineData("BTC-PERP:42")]
    [InlineData("quote\"d é")]
    public void a_ledger_entry_read_by_hand_is_the_entry_the_serializer_reads(string reference)
    {
        var data = MarginEventTypes.Serializer.Serialize(Entry(reference));
        var expected = (LedgerEntryRecorded)MarginEventTypes.Serializer.Deserialize(data.Type, data.Data.Span);

        var read = new MarginFastReader().TryReadLedgerEntry(data.Data.Span, out var entry);

        data.Type.ShouldBe(MarginLedgerProjection.LedgerEntryType);
        read.ShouldBeTrue();
        Json(entry).ShouldBe(Json(expected));
        MarginRows.LedgerRow(entry).ToJsonString().ShouldBe(MarginRows.LedgerRow(expected).ToJsonString());
    }

    [Theory]
    [InlineData("\"lineIndex\":1", "\"lineIndex\":1,\"extra\":true")]
    [InlineData("\"sequence\":7,", "")]
    [InlineData("\"lineIndex\":1", "\"lineIndex\":1.5")]
    [InlineData("\"kind\":\"RealizedPnl\"", "\"kind\":\"NoSuchKind\"")]
    public void a_ledger_entry_of_another_shape_is_left_to_the_serializer(string part, string replacement)
    {
        var json = Json(Entry("r")).Replace(part, replacement, StringComparison.Ordinal);

        new MarginFastReader().TryReadLedgerEntry(Encoding.UTF8.GetBytes(json), out _).ShouldBeFalse();
    }

    [Fact]
    public void amounts_are_written_as_the_canonical_decimal_text_at_every_scale_and_sign()
    {
        decimal[] values =
        [
            0m, 0.000m, -0.00m, decimal.Negate(0m), 1m, 1.50m, -1.50m, 1000000m, 100m, 10.0m, 0.0003m, -0.0001m, 12.345678901234m,
            decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, -7.9228162514264337593543950335m, 1e-10m * 3, 120.000000m,
        ];
        var random = new Random(11);
        var all = values.Concat(Enumerable.Range(0, 2_000).Select(_ =>
            new decimal(random.Next(), random.Next(), random.Next(4), random.Next(2) == 0, (byte)random.Next(29))));
        Span<char> text = stackalloc char[64];

        foreach (var value in all)
        {
            MarginRows.TryFormatText(value, text, out var written).ShouldBeTrue();
            text[..written].ToString().ShouldBe(MarginRows.Text(value), $"{value}");
        }
    }
}
