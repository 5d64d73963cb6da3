using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Microsoft.Data.Sqlite;

namespace Clearing.EventSourcing.Tests;

/// <summary>The event store contract against the embedded SQLite adapter.</summary>
public sealed class SqliteEventStoreContract : EventStoreContract, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-es-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "events.db");

    protected override Task<IEventStore> CreateStoreAsync() =>
        Task.FromResult<IEventStore>(new SqliteEventStore(new SqliteEventStoreOptions(DatabasePath)));

    protected override Task<IEventStore> ReopenStoreAsync() => CreateStoreAsync();

    protected override async Task TamperAsync(string streamId, long version, string json)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE events SET data = $d WHERE stream_id = $s AND stream_version = $v";
        command.Parameters.AddWithValue("$d", json);
        command.Parameters.AddWithValue("$s", streamId);
        command.Parameters.AddWithValue("$v", version);
        (await command.ExecuteNonQueryAsync()).ShouldBe(1);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
