using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Cli.Commands.Replay;
using Clearing.Cli.Commands.Tail;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Testing.Kafka;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Messaging.Tests.Cli;

[Collection(KafkaCollection.Name)]
public sealed class ReplayRunnerTests(KafkaFixture kafka) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}");
    private readonly FakeTimeProvider _clock = new(Start);
    private SqliteEventStore _store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")), _clock);
        // acct-1: +100, +50, -30 one minute apart; acct-2: +7.
        await DepositAsync("acct-1", 100);
        await DepositAsync("acct-1", 50);
        await DepositAsync("acct-1", -30);
        await DepositAsync("acct-2", 7);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task DepositAsync(string account, int amount)
    {
        var data = JsonSerializer.SerializeToUtf8Bytes(new { amount });
        await _store.AppendAsync($"account-{account}", ExpectedVersion.Any, [new EventData(Guid.NewGuid(), "test.amount.v1", 1, data)]);
        _clock.Advance(TimeSpan.FromMinutes(1));
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(ReplayOptions options, IReplayModule? module)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await ReplayRunner.RunAsync(_store, module, options, output, error, interactive: false, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task time_travel_folds_an_aggregate_as_of_a_version_and_as_of_a_time()
    {
        var module = new BalanceModule(new Dictionary<string, JsonNode>());
        var (_, latest, _) = await RunAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.TimeTravel, Stream = "account-acct-1", Json = true }, module);
        JsonNode.Parse(latest)!["state"]!["balance"]!.GetValue<int>().ShouldBe(120);

        var firstVersion = JsonNode.Parse(latest)!["version"]!.GetValue<long>() - 2;
        var (_, atVersion, _) = await RunAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.TimeTravel, Stream = "account-acct-1", AtVersion = firstVersion + 1, Json = true }, module);
        JsonNode.Parse(atVersion)!["state"]!["balance"]!.GetValue<int>().ShouldBe(150);

        // The third event was stored at Start + 2 min: a time just before it sees the first two only.
        var (_, atTime, _) = await RunAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.TimeTravel, Stream = "account-acct-1", AtTime = Start.AddMinutes(1.5), Json = true }, module);
        JsonNode.Parse(atTime)!["state"]!["balance"]!.GetValue<int>().ShouldBe(150);
        JsonNode.Parse(atTime)!["events"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task time_travel_without_a_fold_prints_the_events_themselves_and_an_empty_range_is_an_error()
    {
        var (exit, output, _) = await RunAsync(new ReplayOptions { Service = "funding", Mode = ReplayMode.TimeTravel, Stream = "account-acct-2", Json = true }, module: null);
        exit.ShouldBe(0);
        var history = JsonNode.Parse(output)!["history"]!.AsArray();
        history.Count.ShouldBe(1);
        history[0]!["data"]!["amount"]!.GetValue<int>().ShouldBe(7);

        var (missing, _, error) = await RunAsync(new ReplayOptions { Service = "funding", Mode = ReplayMode.TimeTravel, Stream = "account-nobody", Json = true }, module: null);
        missing.ShouldBe(2);
        error.ShouldContain("account-nobody");
    }

    [Fact]
    public async Task rebuild_matching_the_live_read_model_exits_zero_and_reports_throughput()
    {
        var live = new Dictionary<string, JsonNode> { ["acct-1"] = JsonNode.Parse("""{"balance":120}""")!, ["acct-2"] = JsonNode.Parse("""{"balance":7}""")! };

        var (exit, output, error) = await RunAsync(new ReplayOptions { Service = "margin", Json = true }, new BalanceModule(live));

        exit.ShouldBe(0, output);
        var report = JsonNode.Parse(output)!;
        report["events"]!.GetValue<long>().ShouldBe(4);
        report["eventsPerSecond"]!.GetValue<double>().ShouldBeGreaterThan(0);
        report["projections"]![0]!["differences"]!.AsArray().ShouldBeEmpty();
        error.ShouldContain("replay: 4/4 events");
    }

    [Fact]
    public async Task rebuild_that_differs_from_the_live_read_model_exits_4_and_names_each_differing_row()
    {
        var live = new Dictionary<string, JsonNode> { ["acct-1"] = JsonNode.Parse("""{"balance":999}""")!, ["acct-3"] = JsonNode.Parse("""{"balance":1}""")! };

        var (exit, output, _) = await RunAsync(new ReplayOptions { Service = "margin", Json = true }, new BalanceModule(live));

        exit.ShouldBe(ReplayRunner.Differs);
        var differences = JsonNode.Parse(output)!["projections"]![0]!["differences"]!.AsArray();
        differences.Select(d => d!["key"]!.GetValue<string>()).ShouldBe(["acct-1", "acct-2", "acct-3"]);
        differences[0]!["rebuilt"]!["balance"]!.GetValue<int>().ShouldBe(120);
        differences[0]!["live"]!["balance"]!.GetValue<int>().ShouldBe(999);
        differences[2]!["rebuilt"].ShouldBeNull();
    }

    [Fact]
    public async Task republish_dry_run_lists_the_messages_with_stable_ids_and_publishes_nothing()
    {
        var (exit, output, error) = await RunAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.Republish, FromPosition = 2, ToPosition = 3, DryRun = true, Raw = true, Topic = "replay.dry" }, null);

        exit.ShouldBe(0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        lines.Select(l => l["position"]!.GetValue<long>()).ShouldBe([2L, 3L]);
        lines.ShouldAllBe(l => l["id"]!.GetValue<string>().StartsWith("account-acct-1:", StringComparison.Ordinal));
        error.ShouldContain("would be published");
    }

    [Fact]
    public async Task republish_raw_puts_the_range_on_the_topic_with_inbox_coordinates()
    {
        var topic = $"replay.raw.{Guid.NewGuid():N}";
        var (exit, _, error) = await RunAsync(new ReplayOptions { Service = "margin", Mode = ReplayMode.Republish, Raw = true, Topic = topic, BootstrapServers = kafka.BootstrapServers }, null);
        exit.ShouldBe(0, error);

        var tailed = new StringWriter();
        await TailRunner.RunAsync(new TailOptions(topic, kafka.BootstrapServers, true, true, 4, null, TimeSpan.FromSeconds(5)), tailed, TextWriter.Null, CancellationToken.None);
        var messages = tailed.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        messages.Count.ShouldBe(4);
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(messages.Single(m => m["key"]!.GetValue<string>() == "account-acct-2")["payload"]!["base64"]!.GetValue<string>()));
        payload.ShouldContain("\"amount\":7");
        messages.ShouldAllBe(m => m["headers"]!["clearing-source-stream"] != null);
    }

    [Fact]
    public async Task republish_without_a_translator_and_without_raw_is_refused()
    {
        var (exit, output, error) = await RunAsync(new ReplayOptions { Service = "funding", Mode = ReplayMode.Republish, DryRun = true }, null);

        exit.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldContain("--raw");
    }

    /// <summary>Folds account streams into {"balance": Σ amount}; the live read model is given.</summary>
    private sealed class BalanceModule(IReadOnlyDictionary<string, JsonNode> live) : IReplayModule
    {
        public string Service => "margin";

        public IOutboxTranslator? Translator => null;

        public JsonNode? Fold(string streamId, IReadOnlyList<RecordedEvent> events) =>
            streamId.StartsWith("account-", StringComparison.Ordinal) ? new JsonObject { ["balance"] = events.Sum(Amount) } : null;

        public IReadOnlyList<IReplayProjection> CreateProjections() => [new Balances(live)];

        private static int Amount(RecordedEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("amount").GetInt32();

        private sealed class Balances(IReadOnlyDictionary<string, JsonNode> live) : IReplayProjection
        {
            private readonly Dictionary<string, JsonNode> _rows = [];

            public string Name => "balances";

            public IReadOnlyDictionary<string, JsonNode> Rows => _rows;

            public void Apply(RecordedEvent recorded)
            {
                var account = recorded.StreamId["account-".Length..];
                var balance = _rows.TryGetValue(account, out var row) ? row["balance"]!.GetValue<int>() : 0;
                _rows[account] = new JsonObject { ["balance"] = balance + Amount(recorded) };
            }

            public Task<IReadOnlyDictionary<string, JsonNode>?> ReadLiveAsync(ReplaySources sources, CancellationToken cancellationToken) =>
                Task.FromResult<IReadOnlyDictionary<string, JsonNode>?>(live);
        }
    }
}
