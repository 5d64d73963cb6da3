using Clearing.Dapr.State;

namespace Clearing.Dapr.Tests.State;

/// <summary>The state-store contract against the embedded SQLite adapter (Dapr:Enabled=false).</summary>
public sealed class SqliteStateStoreContract : StateStoreContract
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-dapr-tests", Guid.NewGuid().ToString("N"));
    private SqliteStateStore? _store;

    protected override Task<IStateStore> CreateStoreAsync()
    {
        _store = new SqliteStateStore("statestore", SqliteStateStore.PathFor(_directory, "statestore"));
        return Task.FromResult<IStateStore>(_store);
    }

    protected override Task DisposeStoreAsync()
    {
        _store?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        return Task.CompletedTask;
    }
}
