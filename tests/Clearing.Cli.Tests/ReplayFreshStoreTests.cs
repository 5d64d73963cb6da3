using System.CommandLine;
using System.Text.Json.Nodes;
using Clearing.Cli.Commands;
using Clearing.Cli.Commands.Replay;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.EventSourcing;
using Microsoft.Data.Sqlite;

namespace Clearing.Cli.Tests;

public sealed class ReplayFreshStoreTests : IAsyncLifetime
{
    private readonly MarginStoreHarness _margin = new();

    public Task InitializeAsync() => _margin.WriteLiquidationStoryAsync();

    public async Task DisposeAsync() => await _margin.DisposeAsync();

    private FileInfo OutFile(string name = "rebuilt.db") => new(Path.Combine(_margin.Data.FullName, name));

    private async Task<(int Exit, JsonNode Output, string Error)> ReplayAsync(ReplayOptions options)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await ReplayRunner.RunAsync(_margin.Store, ReplayModules.For("margin"), options, output, error, interactive: false, CancellationToken.None);
        return (exit, output.ToString().Length == 0 ? new JsonObject() : JsonNode.Parse(output.ToString())!, error.ToString());
    }

    private ReplayOptions IntoFreshStore(FileInfo file, bool force = false) =>
        new() { Service = "margin", ServiceDataDirectory = _margin.ServiceDirectory, Json = true, OutputStore = file, Force = force };

    private static List<(string Projection, string Key, string Value)> StoredRows(FileInfo file)
    {
        using var connection = new SqliteConnection($"Data Source={file.FullName};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT projection, key, value FROM rows ORDER BY projection, key";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        return rows;
    }

    private static string Info(FileInfo file, string name)
    {
        using var connection = new SqliteConnection($"Data Source={file.FullName};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM replay WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return (string)command.ExecuteScalar()!;
    }

    private static JsonNode Projection(JsonNode report, string name) =>
        report["projections"]!.AsArray().Single(p => p!["projection"]!.GetValue<string>() == name)!;

    [Fact]
    public async Task rebuilding_into_a_fresh_store_writes_every_row_and_the_diff_of_what_was_written_is_empty()
    {
        var file = OutFile();

        var (exit, report, error) = await ReplayAsync(IntoFreshStore(file));

        exit.ShouldBe(0, error);
        var stored = StoredRows(file);
        var risk = stored.Where(r => r.Projection == "account-risk").ToList();
        var ledger = stored.Where(r => r.Projection == "ledger").ToList();
        risk.Count.ShouldBe(6);
        risk.ShouldContain(r => r.Key == "account-risk:acct-1");
        ledger.Count.ShouldBe(Projection(report, "ledger")["live"]!.GetValue<int>());
        ledger[0].Key.ShouldBe("ledger:0000000001");
        Projection(report, "account-risk")["differenceCount"]!.GetValue<long>().ShouldBe(0);
        Projection(report, "ledger")["differenceCount"]!.GetValue<long>().ShouldBe(0);
        report["out"]!["rows"]!.GetValue<long>().ShouldBe(stored.Count);
        report["out"]!["eventsPerSecondWithWrite"]!.GetValue<double>().ShouldBeGreaterThan(0);
        Info(file, "events").ShouldBe(report["events"]!.ToJsonString());
        Info(file, "differs").ShouldBe("false");
        error.ShouldContain("ev/s with the write");
        File.Exists(file.FullName + ".partial").ShouldBeFalse();
    }

    [Fact]
    public async Task the_fresh_store_holds_the_same_rows_as_the_in_memory_rebuild()
    {
        var file = OutFile();
        await ReplayAsync(IntoFreshStore(file));
        var module = new MarginReplayModule();
        var projections = module.CreateProjections();
        await ReplayRunner.FoldAsync(_margin.Store, module, projections, 1, await _margin.Store.GetHeadPositionAsync(),
            new Dictionary<string, long>(StringComparer.Ordinal), _ => { }, CancellationToken.None);

        var stored = StoredRows(file);

        foreach (var projection in projections)
        {
            var expected = projection.Rows.Select(p => (p.Key, p.Value.ToJsonString())).ToList();
            stored.Where(r => r.Projection == projection.Name).Select(r => (r.Key, r.Value)).ToList().ShouldBe(expected);
        }
    }

    [Fact]
    public async Task an_existing_output_file_is_refused_without_force_and_left_untouched()
    {
        var file = OutFile();
        await File.WriteAllTextAsync(file.FullName, "an earlier rebuild");

        var (exit, _, error) = await ReplayAsync(IntoFreshStore(file));

        exit.ShouldBe(2);
        error.ShouldContain("--force");
        error.ShouldContain(file.FullName);
        (await File.ReadAllTextAsync(file.FullName)).ShouldBe("an earlier rebuild");
    }

    [Fact]
    public async Task force_replaces_an_existing_output_file_with_the_rebuild()
    {
        var file = OutFile();
        await File.WriteAllTextAsync(file.FullName, "an earlier rebuild");

        var (exit, _, error) = await ReplayAsync(IntoFreshStore(file, force: true));

        exit.ShouldBe(0, error);
        StoredRows(file).Count(r => r.Projection == "account-risk").ShouldBe(6);
    }

    [Fact]
    public async Task a_tampered_live_position_differs_from_the_fresh_store_and_the_store_records_it()
    {
        await using (var connection = new SqliteConnection($"Data Source={_margin.ReadModelFile};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE state SET value = json_set(value, '$.positions[0].size', 7) WHERE key = 'account-risk:acct-5'";
            (await command.ExecuteNonQueryAsync()).ShouldBe(1);
        }
        var file = OutFile();

        var (exit, report, _) = await ReplayAsync(IntoFreshStore(file));

        exit.ShouldBe(ReplayRunner.Differs);
        var risk = Projection(report, "account-risk");
        risk["differenceCount"]!.GetValue<long>().ShouldBe(1);
        var difference = risk["differences"]!.AsArray().ShouldHaveSingleItem()!;
        difference["key"]!.GetValue<string>().ShouldBe("account-risk:acct-5");
        difference["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["positions"]);
        difference["rebuilt"]!["positions"]![0]!["size"]!.GetValue<string>().ShouldBe("1");
        Info(file, "differs").ShouldBe("true");
    }

    [Fact]
    public async Task differences_beyond_the_listing_limit_are_counted_but_not_listed()
    {
        // No live data directory for the risk rows, and a ledger-main that does not exist in a fresh store: every
        // rebuilt ledger row is missing on the live side.
        var empty = new DirectoryInfo(Path.Combine(_margin.Data.FullName, "other"));
        var store = new Clearing.EventSourcing.Sqlite.SqliteEventStore(new Clearing.EventSourcing.Sqlite.SqliteEventStoreOptions(Path.Combine(empty.FullName, "events.db")));
        await using (store)
        {
            await foreach (var recorded in _margin.Store.ReadAllAsync(1, 10_000, MarginStoreFold.AccountPrefix.TrimEnd('-')))
            {
                await store.AppendAsync(recorded.StreamId, ExpectedVersion.Any,
                    [new EventData(recorded.EventId, recorded.Type, recorded.SchemaVersion, recorded.Data.ToArray())]);
            }
            var output = new StringWriter();
            var exit = await ReplayRunner.RunAsync(store, ReplayModules.For("margin"),
                new ReplayOptions { Service = "margin", Json = true, MaxListedDifferences = 3 }, output, TextWriter.Null, interactive: false, CancellationToken.None);

            exit.ShouldBe(ReplayRunner.Differs);
            var ledger = Projection(JsonNode.Parse(output.ToString())!, "ledger");
            ledger["differenceCount"]!.GetValue<long>().ShouldBe(ledger["rows"]!.GetValue<int>());
            ledger["differences"]!.AsArray().Count.ShouldBe(3);
            ledger["live"]!.GetValue<long>().ShouldBe(0);
        }
    }

    [Fact]
    public async Task a_store_event_the_read_stage_cannot_decode_fails_the_rebuild_naming_it_and_leaves_no_file()
    {
        await _margin.Store.AppendAsync("account-acct-1", ExpectedVersion.Any, [new EventData(Guid.NewGuid(), "margin.unheard-of.v9", 1, "{}"u8.ToArray())]);
        var file = OutFile();

        var error = await Should.ThrowAsync<InvalidDataException>(() => ReplayAsync(IntoFreshStore(file)));

        error.Message.ShouldContain("account-acct-1 version");
        error.Message.ShouldContain("margin.unheard-of.v9");
        file.Refresh();
        file.Exists.ShouldBeFalse();
        File.Exists(file.FullName + ".partial").ShouldBeFalse();
    }

    [Fact]
    public async Task the_two_stage_fold_ends_in_the_same_accounts_and_ledger_as_the_one_thread_serializer_fold()
    {
        var head = await _margin.Store.GetHeadPositionAsync();
        var module = new MarginReplayModule();
        var pipelined = module.CreateProjections();
        await ReplayRunner.FoldAsync(_margin.Store, module, pipelined, 1, head, new Dictionary<string, long>(StringComparer.Ordinal), _ => { }, CancellationToken.None);
        var decoder = new MarginDecoder(readPositionsByHand: false);
        IReplayProjection[] sequential = [new MarginAccountsProjection(decoder), new MarginLedgerProjection(decoder)];
        await foreach (var recorded in _margin.Store.ReadAllAsync(1, int.MaxValue))
        {
            foreach (var projection in sequential)
            {
                projection.Apply(recorded);
            }
        }

        for (var i = 0; i < sequential.Length; i++)
        {
            pipelined[i].Rows.Count.ShouldBeGreaterThan(0);
            JsonNode.DeepEquals(new JsonObject(pipelined[i].Rows.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value.DeepClone()))),
                new JsonObject(sequential[i].Rows.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value.DeepClone())))).ShouldBeTrue(pipelined[i].Name);
        }
        var folded = ((MarginAccountsProjection)pipelined[0]).Fold.Accounts;
        var expected = ((MarginAccountsProjection)sequential[0]).Fold.Accounts;
        folded.Keys.Order().ShouldBe(expected.Keys.Order());
        foreach (var (owner, (state, version)) in expected)
        {
            folded[owner].Version.ShouldBe(version);
            System.Text.Json.JsonSerializer.Serialize(folded[owner].State, Clearing.Margin.Domain.Accounts.MarginEventTypes.Options)
                .ShouldBe(System.Text.Json.JsonSerializer.Serialize(state, Clearing.Margin.Domain.Accounts.MarginEventTypes.Options), owner);
        }
    }

    private static ParseResult Parse(string arguments) =>
        new RootCommand { ReplayCommand.Create() }.Parse(["replay", .. arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

    [Fact]
    public void the_service_may_be_named_as_the_first_argument_with_out_and_force()
    {
        var parsed = Parse($"margin --data {Path.GetTempPath()} --out {Path.Combine(Path.GetTempPath(), "x.db")} --force");

        parsed.Errors.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("margin --force", "--force replaces an existing --out file")]
    [InlineData("margin --service matching", "given twice")]
    [InlineData("--json", "Name the service to replay")]
    [InlineData("nothing-like-a-service", "'nothing-like-a-service' is not a service")]
    [InlineData("margin --republish --dry-run --out x.db", "--out writes a rebuild's read models")]
    public void replay_arguments_that_cannot_work_are_refused_naming_what_to_fix(string arguments, string message)
    {
        Parse(arguments).Errors.Select(e => e.Message).ShouldContain(m => m.Contains(message));
    }

    [Fact]
    public void an_existing_out_file_without_force_is_refused_before_anything_is_read()
    {
        var file = OutFile("exists.db");
        File.WriteAllText(file.FullName, "x");

        Parse($"margin --out {file.FullName}").Errors.Select(e => e.Message).ShouldContain(m => m.Contains("exists; pass --force"));
        Parse($"margin --out {Path.Combine(_margin.Data.FullName, "no-such-dir", "x.db")}").Errors.Select(e => e.Message)
            .ShouldContain(m => m.Contains("does not exist; create it first"));
    }

    [Fact]
    public void the_help_shows_a_fresh_store_example()
    {
        ReplayCommand.Create().Description!.ShouldContain("--out /tmp/margin-rebuilt.db");
    }
}
