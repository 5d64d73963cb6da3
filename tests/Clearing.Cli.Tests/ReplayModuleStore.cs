using System.Text.Json.Nodes;
using Clearing.Cli.Commands.Replay;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Cli.Tests;

/// <summary>
/// A temporary SQLite event store for one service's replay module: events are appended with the service's own types and
/// serializer, one minute apart (so time travel by time has something to find), and `clearing replay`'s time travel
/// runs over it through ReplayRunner with the service's module, as the command does.
/// </summary>
internal sealed class ReplayModuleStore : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly DirectoryInfo _directory = new(Path.Combine(Path.GetTempPath(), "cli-replay-" + Guid.NewGuid().ToString("N")));

    public ReplayModuleStore(string service)
    {
        Service = service;
        _directory.Create();
        Store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory.FullName, "events.db")), Clock);
    }

    public string Service { get; }

    public FakeTimeProvider Clock { get; } = new(T0);

    public SqliteEventStore Store { get; }

    /// <summary>Appends the events (one append) a minute after the previous one; returns the stream version of the last.</summary>
    public async Task<long> AppendAsync(string stream, EventSerializer serializer, params object[] events)
    {
        Clock.Advance(TimeSpan.FromMinutes(1));
        var result = await Store.AppendAsync(stream, ExpectedVersion.Any, events.Select(e => serializer.Serialize(e)).ToList());
        return result.NextExpectedVersion;
    }

    /// <summary>Appends already-encoded events (services with their own codec) a minute after the previous ones.</summary>
    public async Task<long> AppendAsync(string stream, params EventData[] events)
    {
        Clock.Advance(TimeSpan.FromMinutes(1));
        var result = await Store.AppendAsync(stream, ExpectedVersion.Any, events);
        return result.NextExpectedVersion;
    }

    public DateTimeOffset Now => Clock.GetUtcNow();

    public async Task<(int Exit, JsonNode? Output, string Error)> TimeTravelAsync(string stream, long? atVersion = null, DateTimeOffset? atTime = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new ReplayOptions { Service = Service, Mode = ReplayMode.TimeTravel, Stream = stream, AtVersion = atVersion, AtTime = atTime, Json = true };
        var exit = await ReplayRunner.RunAsync(Store, ReplayModules.For(Service), options, output, error, interactive: false, CancellationToken.None);
        var text = output.ToString();
        return (exit, text.Length == 0 ? null : JsonNode.Parse(text), error.ToString());
    }

    /// <summary>The folded state of <paramref name="stream"/> as of a version or time; fails the test when nothing was folded.</summary>
    public async Task<JsonNode> StateAsync(string stream, long? atVersion = null, DateTimeOffset? atTime = null)
    {
        var (exit, output, error) = await TimeTravelAsync(stream, atVersion, atTime);
        exit.ShouldBe(0, error);
        return output.ShouldNotBeNull()["state"].ShouldNotBeNull($"{stream} was not folded: {output!.ToJsonString()}");
    }

    public static decimal Decimal(JsonNode? node) => node.ShouldNotBeNull().GetValueKind() == System.Text.Json.JsonValueKind.String
        ? decimal.Parse(node.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
        : node.GetValue<decimal>();

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }
}
