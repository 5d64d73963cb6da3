using System.Text;
using Clearing.Dapr.State;
using Microsoft.Data.Sqlite;

namespace Clearing.Dapr.Tests.State;

/// <summary>What only the embedded adapter promises: a durable, operator-readable file under the data directory.</summary>
public sealed class SqliteStateStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-dapr-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task state_survives_reopening_the_store_and_etags_keep_growing()
    {
        var path = SqliteStateStore.PathFor(_directory, "statestore");
        string firstETag;
        using (var store = new SqliteStateStore("statestore", path))
        {
            await store.SaveAsync("k", Encoding.UTF8.GetBytes("1"), WriteCondition.Unconditional);
            firstETag = (await store.GetAsync("k"))!.ETag;
            await store.DeleteAsync("k");
        }

        SqliteConnection.ClearAllPools();
        using var reopened = new SqliteStateStore("statestore", path);
        await reopened.SaveAsync("k", Encoding.UTF8.GetBytes("2"), WriteCondition.IfAbsent);

        var entry = await reopened.GetAsync("k");
        long.Parse(entry!.ETag, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeGreaterThan(long.Parse(firstETag, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task the_file_lives_under_the_data_directory_in_wal_mode_with_values_readable_as_json_text()
    {
        using var store = new SqliteStateStore("readmodels", SqliteStateStore.PathFor(_directory, "readmodels"));
        await store.SaveAsync("account-1", Encoding.UTF8.GetBytes("""{"equity":"12.50"}"""), WriteCondition.Unconditional);

        var path = Path.Combine(_directory, "state-readmodels.db");
        store.DatabasePath.ShouldBe(Path.GetFullPath(path));
        File.Exists(path).ShouldBeTrue();
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        ((string)(await command.ExecuteScalarAsync())!).ShouldBe("wal");
        command.CommandText = "SELECT typeof(value) || ':' || value FROM state WHERE key = 'account-1'";
        ((string)(await command.ExecuteScalarAsync())!).ShouldBe("""text:{"equity":"12.50"}""");
    }

    [Fact]
    public async Task writes_sync_like_the_event_store_they_derive_from_not_on_every_commit()
    {
        using var store = new SqliteStateStore("margin-risk", SqliteStateStore.PathFor(_directory, "margin-risk"));
        await store.SaveAsync("k", Encoding.UTF8.GetBytes("1"), WriteCondition.Unconditional);

        (await store.SynchronousLevelAsync()).ShouldBe(1L);   // NORMAL; SQLite's default in WAL mode is FULL (2)
    }

    [Fact]
    public async Task two_store_instances_on_one_file_still_refuse_a_stale_write()
    {
        var path = SqliteStateStore.PathFor(_directory, "statestore");
        using var first = new SqliteStateStore("statestore", path);
        using var second = new SqliteStateStore("statestore", path);
        await first.SaveAsync("k", Encoding.UTF8.GetBytes("1"), WriteCondition.Unconditional);
        var read = await second.GetAsync("k");
        await first.SaveAsync("k", Encoding.UTF8.GetBytes("2"), WriteCondition.IfMatch(read!.ETag));

        await Should.ThrowAsync<StateConcurrencyException>(
            () => second.SaveAsync("k", Encoding.UTF8.GetBytes("3"), WriteCondition.IfMatch(read.ETag)).AsTask());
    }
}
