using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Clearing.Dapr.State;

/// <summary>
/// The embedded state store used when <c>Dapr:Enabled=false</c>: one SQLite file (WAL) per store under the data
/// directory. ETags come from one counter per file that only grows, so a key deleted and created again never gets
/// an ETag it had before (a stale reader cannot win by coincidence). Values are kept as JSON text so an operator with
/// a SQL prompt can read them.
/// </summary>
public sealed class SqliteStateStore : IStateStore, IDisposable
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Tuned = new();
    private static readonly object TunedMarker = new();
    private readonly SemaphoreSlim _initialization = new(1, 1);
    private volatile bool _initialized;

    public SqliteStateStore(string name, string databasePath, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Name = name;
        DatabasePath = Path.GetFullPath(databasePath);
        _time = timeProvider ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
    }

    public string Name { get; }

    public string DatabasePath { get; }

    /// <summary>The file for <paramref name="storeName"/> under <paramref name="dataDirectory"/>.</summary>
    public static string PathFor(string dataDirectory, string storeName) =>
        Path.Combine(dataDirectory, $"state-{storeName}.db");

    public async ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateKey(key);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT value, etag FROM state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadEntry(key, reader) : null;
    }

    public async ValueTask<IReadOnlyDictionary<string, StateEntry>> GetBulkAsync(IReadOnlyCollection<string> keys,
        CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateKeys(keys);
        var result = new Dictionary<string, StateEntry>(keys.Count, StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return result;
        }

        await using var connection = await OpenAsync(cancellationToken);
        // json_each binds any number of keys as one parameter, instead of building SQL with one placeholder per key.
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, value, etag FROM state WHERE key IN (SELECT value FROM json_each($keys))";
        command.Parameters.AddWithValue("$keys", System.Text.Json.JsonSerializer.Serialize(keys.Distinct(StringComparer.Ordinal).ToArray(),
            StateJsonContext.Default.StringArray));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            result[key] = new StateEntry(key, Encoding.UTF8.GetBytes(reader.GetString(1)),
                reader.GetInt64(2).ToString(CultureInfo.InvariantCulture));
        }

        return result;
    }

    public async ValueTask SaveAsync(string key, ReadOnlyMemory<byte> utf8Json, WriteCondition condition,
        CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateKey(key);
        StateArguments.ValidateJson(key, utf8Json);
        await using var connection = await OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE takes the write lock before the check, so check-then-write is atomic across connections
        // and processes sharing the file.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await ApplyUpsertAsync(connection, transaction, key, utf8Json, condition, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateKey(key);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await ApplyDeleteAsync(connection, transaction, key, etag, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations,
        CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateOperations(operations);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var operation in operations)
        {
            switch (operation)
            {
                case UpsertOperation upsert:
                    await ApplyUpsertAsync(connection, transaction, upsert.Key, upsert.Value, upsert.Condition, cancellationToken);
                    break;
                case DeleteOperation delete:
                    await ApplyDeleteAsync(connection, transaction, delete.Key, delete.ETag, cancellationToken);
                    break;
                default:
                    throw new ArgumentException($"Unknown state operation type {operation.GetType().Name}.", nameof(operations));
            }
        }

        // A failed condition threw above; disposing the uncommitted transaction rolled everything back.
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>SQLite's synchronous level of the connections this store writes with (1 = NORMAL, 2 = FULL).</summary>
    public async ValueTask<long> SynchronousLevelAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Opens the file and runs a trivial query: what the readiness probe reports in embedded mode.</summary>
    public async ValueTask<long> CountKeysAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM state";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public void Dispose() => _initialization.Dispose();

    private async Task ApplyUpsertAsync(SqliteConnection connection, SqliteTransaction transaction, string key,
        ReadOnlyMemory<byte> utf8Json, WriteCondition condition, CancellationToken cancellationToken)
    {
        var current = await ReadETagAsync(connection, transaction, key, cancellationToken);
        switch (condition.Kind)
        {
            case WriteConditionKind.IfAbsent when current is not null:
                throw Conflict(key, $"first-write: the key already exists with ETag {current}");
            case WriteConditionKind.IfMatch when current is null:
                throw Conflict(key, $"expected ETag {condition.ETag} but the key does not exist");
            case WriteConditionKind.IfMatch when !string.Equals(current, condition.ETag, StringComparison.Ordinal):
                throw Conflict(key, $"expected ETag {condition.ETag} but the current ETag is {current}");
        }

        var etag = await NextETagAsync(connection, transaction, cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO state (key, value, etag, updated_at) VALUES ($key, $value, $etag, $updated)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at
            """;
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", Encoding.UTF8.GetString(utf8Json.Span));
        command.Parameters.AddWithValue("$etag", etag);
        command.Parameters.AddWithValue("$updated", _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task ApplyDeleteAsync(SqliteConnection connection, SqliteTransaction transaction, string key, string? etag,
        CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(etag))
        {
            var current = await ReadETagAsync(connection, transaction, key, cancellationToken);
            if (current is null)
            {
                throw Conflict(key, $"delete expected ETag {etag} but the key does not exist");
            }

            if (!string.Equals(current, etag, StringComparison.Ordinal))
            {
                throw Conflict(key, $"delete expected ETag {etag} but the current ETag is {current}");
            }
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<string?> ReadETagAsync(SqliteConnection connection, SqliteTransaction transaction, string key,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT etag FROM state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is long etag ? etag.ToString(CultureInfo.InvariantCulture) : null;
    }

    private static async Task<long> NextETagAsync(SqliteConnection connection, SqliteTransaction transaction,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE state_etag SET last = last + 1 WHERE id = 1 RETURNING last";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static StateEntry ReadEntry(string key, SqliteDataReader reader) =>
        new(key, Encoding.UTF8.GetBytes(reader.GetString(0)), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture));

    private StateConcurrencyException Conflict(string key, string reason) => new(Name, [key], reason);

    private async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_initialized)
        {
            await InitializeAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // Once per native connection (the pool hands the same one out again), as the event store does: in WAL mode
            // NORMAL survives a process crash and skips the fsync of every commit. The state here is derived from the
            // event store, which runs NORMAL itself: syncing the copy harder than the source cost margin two fsyncs per
            // fill (one risk view per side) and bought nothing.
            if (!Tuned.TryGetValue(connection.Handle!, out _))
            {
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA synchronous = NORMAL";
                await pragma.ExecuteNonQueryAsync(cancellationToken);
                Tuned.AddOrUpdate(connection.Handle!, TunedMarker);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _initialization.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS state (
                    key        TEXT    NOT NULL PRIMARY KEY,
                    value      TEXT    NOT NULL,
                    etag       INTEGER NOT NULL,
                    updated_at TEXT    NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS state_etag (
                    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                    last INTEGER NOT NULL
                );
                INSERT OR IGNORE INTO state_etag (id, last) VALUES (1, 0);
                """;
            await command.ExecuteNonQueryAsync(cancellationToken);
            _initialized = true;
        }
        finally
        {
            _initialization.Release();
        }
    }
}
