using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Cli.Commands.Replay;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.Margin.Domain.Accounts;
using Microsoft.Data.Sqlite;

namespace Clearing.Cli.Tests;

/// <summary>
/// The ledger diff against ledger-main as captured during the fold (session 6): the entries are kept as the fold's scan
/// of $all passes over them instead of being read from the store again, and compared field by field. Every tampering of
/// a stored entry must still show, exactly as the diff that reads ledger-main again shows it.
/// </summary>
public sealed class ReplayCapturedLedgerTests : IAsyncLifetime
{
    private readonly MarginStoreHarness _margin = new();

    public Task InitializeAsync() => _margin.WriteLiquidationStoryAsync();

    public async Task DisposeAsync() => await _margin.DisposeAsync();

    private ReplayOptions Rebuild => new() { Service = "margin", ServiceDataDirectory = _margin.ServiceDirectory, Json = true };

    private async Task<(int Exit, JsonNode Report)> ReplayAsync(ReplayOptions options)
    {
        var output = new StringWriter();
        var exit = await ReplayRunner.RunAsync(_margin.Store, ReplayModules.For("margin"), options, output, TextWriter.Null, interactive: false, CancellationToken.None);
        return (exit, JsonNode.Parse(output.ToString())!);
    }

    private static JsonNode Ledger(JsonNode report) =>
        report["projections"]!.AsArray().Single(p => p!["projection"]!.GetValue<string>() == "ledger")!;

    /// <summary>Edits the stored ledger-main events in place, as someone with a SQL prompt would (the hash chain breaks, the replay does not look).</summary>
    private async Task TamperAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_margin.EventsFile};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        (await command.ExecuteNonQueryAsync()).ShouldBeGreaterThan(0, sql);
    }

    private static string Entry(long version) => $"stream_id = 'ledger-main' AND stream_version = {version}";

    [Fact]
    public async Task a_ledger_main_amount_changed_in_the_store_shows_in_the_diff_with_postings_named()
    {
        await TamperAsync($"UPDATE events SET data = json_set(data, '$.postings[0].amount', 12345.5) WHERE {Entry(2)}");

        var (exit, report) = await ReplayAsync(Rebuild);

        exit.ShouldBe(ReplayRunner.Differs);
        var ledger = Ledger(report);
        ledger["differenceCount"]!.GetValue<long>().ShouldBe(1);
        var difference = ledger["differences"]!.AsArray().ShouldHaveSingleItem()!;
        // ledger-main's version v holds sequence v + 1.
        difference["key"]!.GetValue<string>().ShouldBe(MarginRows.LedgerKey(3));
        difference["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["postings"]);
        difference["live"]!["postings"]![0]!["amount"]!.GetValue<string>().ShouldBe("12345.5");
        difference["rebuilt"]!["postings"]![0]!["amount"]!.GetValue<string>().ShouldNotBe("12345.5");
    }

    [Fact]
    public async Task a_ledger_main_entry_deleted_from_the_store_shows_as_a_rebuilt_only_row()
    {
        await TamperAsync($"DELETE FROM events WHERE {Entry(4)}");

        var (exit, report) = await ReplayAsync(Rebuild);

        exit.ShouldBe(ReplayRunner.Differs);
        var ledger = Ledger(report);
        ledger["live"]!.GetValue<long>().ShouldBe(ledger["rows"]!.GetValue<long>() - 1);
        var difference = ledger["differences"]!.AsArray().ShouldHaveSingleItem()!;
        difference["key"]!.GetValue<string>().ShouldBe(MarginRows.LedgerKey(5));
        difference["rebuilt"].ShouldNotBeNull();
        difference["live"].ShouldBeNull();
    }

    [Fact]
    public async Task a_tampered_ledger_main_entry_shows_when_the_rebuild_is_written_to_a_fresh_store_too()
    {
        await TamperAsync($"UPDATE events SET data = json_set(data, '$.reference', 'forged') WHERE {Entry(3)}");

        var (exit, report) = await ReplayAsync(Rebuild with { OutputStore = new FileInfo(Path.Combine(_margin.Data.FullName, "rebuilt.db")) });

        exit.ShouldBe(ReplayRunner.Differs);
        var difference = Ledger(report)["differences"]!.AsArray().ShouldHaveSingleItem()!;
        difference["key"]!.GetValue<string>().ShouldBe(MarginRows.LedgerKey(4));
        difference["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["reference"]);
    }

    [Fact]
    public async Task a_fold_short_of_the_head_diffs_against_the_whole_ledger_main_stream_read_from_the_store()
    {
        // The harness's projector appended ledger-main last: a fold stopping one event short has not seen its last entry.
        var head = await _margin.Store.GetHeadPositionAsync();
        var entries = await _margin.Store.GetStreamVersionAsync(MarginLedgerProjection.LedgerStream) + 1;

        var (exit, report) = await ReplayAsync(Rebuild with { ToPosition = head - 1 });

        exit.ShouldBe(0);
        Ledger(report)["live"]!.GetValue<long>().ShouldBe(entries);
    }

    public static TheoryData<string, string> Tamperings => new()
    {
        { "amount", $"UPDATE events SET data = json_set(data, '$.postings[0].amount', 0.5) WHERE {Entry(2)}" },
        { "posting account", $"UPDATE events SET data = json_set(data, '$.postings[1].accountId', 'acct-9') WHERE {Entry(2)}" },
        { "posting asset", $"UPDATE events SET data = json_set(data, '$.postings[1].asset', 'BTC') WHERE {Entry(2)}" },
        { "posting dropped", $"UPDATE events SET data = json_remove(data, '$.postings[1]') WHERE {Entry(2)}" },
        { "kind", $"UPDATE events SET data = json_set(data, '$.kind', 'Funding') WHERE {Entry(1)}" },
        { "reference", $"UPDATE events SET data = json_set(data, '$.reference', 'other') WHERE {Entry(1)}" },
        { "market", $"UPDATE events SET data = json_set(data, '$.market', 'ETH-PERP') WHERE {Entry(1)}" },
        { "account", $"UPDATE events SET data = json_set(data, '$.accountId', 'acct-9') WHERE {Entry(1)}" },
        { "entry id", $"UPDATE events SET data = json_set(data, '$.entryId', 'other') WHERE {Entry(1)}" },
        { "time", $"UPDATE events SET data = json_set(data, '$.at', '2030-01-01T00:00:00.0000001+00:00') WHERE {Entry(1)}" },
        { "same time at another offset", $"UPDATE events SET data = json_set(data, '$.at', strftime('%Y-%m-%dT%H:%M:%f', json_extract(data, '$.at'), '+2 hours') || '0000+02:00') WHERE {Entry(1)}" },
        { "source stream", $"UPDATE events SET data = json_set(data, '$.sourceStream', 'account-acct-9') WHERE {Entry(1)}" },
        { "source version", $"UPDATE events SET data = json_set(data, '$.sourceVersion', 999) WHERE {Entry(1)}" },
        { "line index", $"UPDATE events SET data = json_set(data, '$.lineIndex', 7) WHERE {Entry(1)}" },
        { "source position (not in the row)", $"UPDATE events SET data = json_set(data, '$.sourcePosition', 999999) WHERE {Entry(1)}" },
        { "missing", $"DELETE FROM events WHERE {Entry(3)}" },
        { "renumbered past the end", $"UPDATE events SET data = json_set(data, '$.sequence', 1000) WHERE stream_id = 'ledger-main' AND stream_version = (SELECT MAX(stream_version) FROM events WHERE stream_id = 'ledger-main')" },
        { "out of order", $"UPDATE events SET data = json_set(data, '$.sequence', 2) WHERE {Entry(3)}" },
        { "negative sequences", "UPDATE events SET data = json_set(data, '$.sequence', -json_extract(data, '$.sequence')) WHERE stream_id = 'ledger-main' AND stream_version < 2" },
        { "extra", "INSERT INTO events SELECT global_position + 100000, stream_id, stream_version + 100000, category, event_id, type, schema_version, json_set(data, '$.sequence', 99999), metadata, created_us, correlation_id, causation_id, prev_hash, hash FROM events WHERE stream_id = 'ledger-main' AND stream_version = 0" },
    };

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task the_diff_against_the_captured_ledger_reports_what_reading_ledger_main_again_reports(string tampering, string sql)
    {
        await TamperAsync(sql);
        var head = await _margin.Store.GetHeadPositionAsync();
        var module = new MarginReplayModule();
        var projection = module.CreateProjections().OfType<MarginLedgerProjection>().Single();
        await ReplayRunner.FoldAsync(_margin.Store, module, [projection], 1, head, new Dictionary<string, long>(StringComparer.Ordinal), _ => { }, CancellationToken.None);

        var captured = await Outcome(() => Task.FromResult(projection.DiffWithCaptured(maxListed: 100)));
        var reread = await Outcome(async () => await ReplayRunner.DiffInKeyOrderAsync(projection.Name, projection.RowsInKeyOrder().ToAsyncEnumerable(),
            (await projection.ReadLiveInKeyOrderAsync(new ReplaySources(null, _margin.Store), CancellationToken.None))!, 100, CancellationToken.None));

        captured.ShouldBe(reread, tampering);
        if (tampering is "source position (not in the row)" or "same time at another offset")
        {
            captured.ShouldStartWith("0 ", Case.Sensitive, tampering);
        }
        else
        {
            captured.StartsWith("0 ", StringComparison.Ordinal).ShouldBeFalse(tampering);
        }
    }

    /// <summary>A diff's result as one comparable text: counts and the listed differences, or the failure it ended in.</summary>
    private static async Task<string> Outcome(Func<Task<ReplayRunner.DiffResult>> diff)
    {
        try
        {
            var result = await diff();
            return $"{result.Count} {result.RebuiltRows} {result.LiveRows} {string.Join('\n', result.Listed.Select(d => d.ToJsonString()))}";
        }
        catch (InvalidDataException ex)
        {
            return $"failed: {ex.Message}";
        }
    }

    [Fact]
    public void an_entry_captured_from_the_store_has_the_same_row_as_the_rebuilt_one_exactly_when_their_text_is_the_same()
    {
        var rebuilt = new CompactLedger();
        var at = new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero);
        rebuilt.Add(LedgerLine.Between(LedgerKind.TradingFee, "BTC-PERP:7", "BTC-PERP", "USDC", "system:fee-pool", "acct-1", 1.5m), 1, "acct-1", at,
            "account-acct-1", 4, 17);
        var entry = rebuilt.EntryAt(0);
        var variants = new (string Change, LedgerEntryRecorded Entry)[]
        {
            ("none", entry),
            ("amount at another scale", entry with { Postings = [.. entry.Postings.Select(p => p with { Amount = p.Amount * 1.000m })] }),
            ("same instant, other offset", entry with { At = at.ToOffset(TimeSpan.FromHours(-5)) }),
            ("amount", entry with { Postings = [entry.Postings[0] with { Amount = 1.4m }, entry.Postings[1]] }),
            ("posting order", entry with { Postings = [entry.Postings[1], entry.Postings[0]] }),
            ("posting added", entry with { Postings = [.. entry.Postings, new Posting("acct-1", "USDC", 0m)] }),
            ("entry id", entry with { EntryId = "account-acct-1:4:0" }),
            ("time", entry with { At = at.AddTicks(1) }),
            ("kind", entry with { Kind = LedgerKind.FeeRebate }),
            ("reference", entry with { Reference = "BTC-PERP:8" }),
            ("market", entry with { Market = "ETH-PERP" }),
            ("account", entry with { AccountId = "acct-2" }),
            ("source stream", entry with { SourceStream = "account-acct-2" }),
            ("source version", entry with { SourceVersion = 5 }),
            ("line index", entry with { LineIndex = 0 }),
            ("source position", entry with { SourcePosition = 99 }),
        };
        var captured = new CompactLedger(rebuilt.Names);
        foreach (var (_, variant) in variants)
        {
            captured.Add(variant);
        }

        for (var i = 0; i < variants.Length; i++)
        {
            var sameText = Row(rebuilt, 0) == Row(captured, i);
            CompactLedger.SameRow(rebuilt, 0, captured, i).ShouldBe(sameText, variants[i].Change);
            sameText.ShouldBe(variants[i].Change is "none" or "amount at another scale" or "same instant, other offset" or "source position", variants[i].Change);
            captured.EntryAt(i).EntryId.ShouldBe(variants[i].Entry.EntryId);
        }
    }

    private static string Row(CompactLedger ledger, int index)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ledger.WriteRow(index, writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
