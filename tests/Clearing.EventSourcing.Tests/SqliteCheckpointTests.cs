using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using static Clearing.EventSourcing.Tests.TestEvents;

namespace Clearing.EventSourcing.Tests;

/// <summary>SQLite's write-ahead log is moved into the database file off the commit path.</summary>
public sealed class SqliteCheckpointTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-ckpt-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task appended_events_reach_the_database_file_through_the_background_checkpoint_well_before_the_commits_would_checkpoint()
    {
        var background = await AppendAndMeasureAsync("background.db", TimeSpan.FromMilliseconds(50));
        var inCommits = await AppendAndMeasureAsync("in-commits.db", TimeSpan.Zero);

        // 300 small commits stay under SQLite's 1,000-page automatic checkpoint, so only the background one moves them.
        background.ShouldBeGreaterThan(inCommits * 4, $"database file {background} bytes with background checkpoints, {inCommits} without");
    }

    [Fact]
    public async Task a_failing_background_checkpoint_makes_the_store_degraded_until_one_succeeds_again()
    {
        await using var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "health.db")) { BackgroundCheckpointInterval = TimeSpan.FromMilliseconds(50) });
        await store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(3));
        var health = new EventStoreHealthCheck(store);

        store.RecordCheckpoint(new IOException("disk full"));
        var degraded = await health.CheckHealthAsync(new HealthCheckContext());

        degraded.Status.ShouldBe(HealthStatus.Degraded);
        degraded.Description.ShouldNotBeNull().ShouldContain("background WAL checkpoints fail: disk full");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.CheckpointFailure is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        (await health.CheckHealthAsync(new HealthCheckContext())).Status.ShouldBe(HealthStatus.Healthy, "the next checkpoint succeeded");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task<long> AppendAndMeasureAsync(string file, TimeSpan interval)
    {
        var path = Path.Combine(_directory, file);
        await using var store = new SqliteEventStore(new SqliteEventStoreOptions(path) { BackgroundCheckpointInterval = interval });
        var before = new FileInfo(path).Length;
        for (var i = 0; i < 300; i++)
        {
            await store.AppendAsync($"acct-{i}", ExpectedVersion.NoStream, Events(1, i));
        }

        var deadline = DateTime.UtcNow.AddSeconds(interval > TimeSpan.Zero ? 20 : 1);
        while (new FileInfo(path).Length <= before * 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }

        return new FileInfo(path).Length;
    }
}
