using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Clearing.Cli.Commands.Replay;

/// <summary>
/// The fresh store a rebuild writes its read models into (`replay --out file.db`): one SQLite file, readable with the
/// sqlite3 shell (`select key, value from rows where projection = 'ledger'`), rows keyed as the live read models key
/// them plus a `replay` table saying where they came from. It is written under a temporary name and moved into place
/// only when complete, so a crashed or refused rebuild never leaves a half-written file that looks like a result.
/// </summary>
internal sealed class ReplayStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly string _partial;
    private readonly FileInfo _target;
    private readonly bool _replace;
    private bool _completed;

    private ReplayStore(FileInfo target, bool replace)
    {
        _target = target;
        _replace = replace;
        _partial = target.FullName + ".partial";
        DeleteWithJournal(_partial);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _partial, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        _connection.Open();
        using var command = _connection.CreateCommand();
        // No journal and no fsync while writing: the file is not visible under its name until Complete moves it there.
        command.CommandText = """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA page_size = 16384;
            CREATE TABLE replay (
                name  TEXT NOT NULL PRIMARY KEY,
                value TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE rows (
                projection TEXT NOT NULL,
                key        TEXT NOT NULL,
                value      TEXT NOT NULL,
                PRIMARY KEY (projection, key)
            ) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Where the store ends up.</summary>
    public FileInfo Target => _target;

    /// <summary>Opens a fresh store for <paramref name="target"/>; an existing file is refused unless <paramref name="replace"/>.</summary>
    public static ReplayStore Create(FileInfo target, bool replace)
    {
        if (target.Exists && !replace)
        {
            throw new IOException($"{target.FullName} exists; pass --force to replace it, or name a new file.");
        }
        if (target.Directory is { Exists: false } directory)
        {
            throw new DirectoryNotFoundException($"the directory of --out, {directory.FullName}, does not exist.");
        }
        return new ReplayStore(target, replace);
    }

    /// <summary>Writes one projection's rows (in one transaction); returns how many.</summary>
    public long WriteRows(string projection, IEnumerable<KeyValuePair<string, JsonNode>> rows, CancellationToken cancellationToken)
    {
        using var transaction = _connection.BeginTransaction();
        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO rows (projection, key, value) VALUES ($projection, $key, $value)";
        insert.Parameters.Add("$projection", SqliteType.Text).Value = projection;
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var value = insert.Parameters.Add("$value", SqliteType.Text);
        insert.Prepare();
        long written = 0;
        foreach (var (rowKey, row) in rows)
        {
            key.Value = rowKey;
            value.Value = row.ToJsonString();
            insert.ExecuteNonQuery();
            if (++written % 65_536 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        transaction.Commit();
        return written;
    }

    public void SetInfo(string name, string value)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO replay (name, value) VALUES ($name, $value)";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    /// <summary>One projection's rows as stored, in ordinal key order (what the diff compares with the live read model).</summary>
    public async IAsyncEnumerable<KeyValuePair<string, JsonNode>> ReadRowsAsync(string projection,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = _connection.CreateCommand();
        // COLLATE BINARY is SQLite's default: the same order as StringComparer.Ordinal for the UTF-8 keys written here.
        command.CommandText = "SELECT key, value FROM rows WHERE projection = $projection ORDER BY key";
        command.Parameters.AddWithValue("$projection", projection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            yield return KeyValuePair.Create(key, JsonNode.Parse(reader.GetString(1))
                ?? throw new InvalidDataException($"{_partial}: row '{key}' of {projection} holds no JSON"));
        }
    }

    /// <summary>Closes the file and moves it to its name (replacing an old one only when allowed at creation).</summary>
    public void Complete()
    {
        _connection.Close();
        SqliteConnection.ClearPool(_connection);
        File.Move(_partial, _target.FullName, overwrite: _replace);
        _completed = true;
        _target.Refresh();
    }

    public void Dispose()
    {
        _connection.Dispose();
        if (!_completed)
        {
            DeleteWithJournal(_partial);
        }
    }

    private static void DeleteWithJournal(string path)
    {
        foreach (var file in new[] { path, path + "-journal", path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
