using Microsoft.Data.Sqlite;
using SQLitePCL;

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
    private readonly Dictionary<string, (long Rows, long Bytes)> _written = new(StringComparer.Ordinal);
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

    /// <summary>
    /// Writes one projection's rows (in one transaction, one prepared insert bound straight from each row's UTF-8 text
    /// through SQLite's own API: a million rows without a parameter object or a string each); returns how many.
    /// </summary>
    public long WriteRows(string projection, IEnumerable<ReplayRow> rows, CancellationToken cancellationToken)
    {
        using var transaction = _connection.BeginTransaction();
        var db = _connection.Handle!;
        Check(raw.sqlite3_prepare_v2(db, "INSERT INTO rows (projection, key, value) VALUES (?1, ?2, ?3)", out var insert), "prepare the row insert");
        using (insert)
        {
            Check(raw.sqlite3_bind_text(insert, 1, projection), "bind the projection");
            long written = 0, bytes = 0;
            foreach (var row in rows)
            {
                bytes += row.Json.Length;
                Check(raw.sqlite3_bind_text(insert, 2, row.Key), "bind a key");
                Check(raw.sqlite3_bind_text(insert, 3, row.Json.Span), "bind a row");
                if (raw.sqlite3_step(insert) != raw.SQLITE_DONE)
                {
                    throw new SqliteException($"{_partial}: writing row '{row.Key}' of {projection} failed: {raw.sqlite3_errmsg(db).utf8_to_string()}", raw.sqlite3_errcode(db));
                }
                Check(raw.sqlite3_reset(insert), "reset the row insert");
                if (++written % 65_536 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            transaction.Commit();
            _written[projection] = (written, bytes);
            return written;
        }
    }

    /// <summary>
    /// Fails unless the file holds exactly as many rows of <paramref name="projection"/>, and as many bytes of row text,
    /// as <see cref="WriteRows"/> wrote: what a diff made in memory needs to say about the file instead of reading every
    /// row back (one scan inside SQLite, no row through managed code).
    /// </summary>
    public void EnsureWritten(string projection)
    {
        if (!_written.TryGetValue(projection, out var expected))
        {
            throw new InvalidOperationException($"{_partial}: no rows of {projection} were written.");
        }
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(sum(length(CAST(value AS BLOB))), 0) FROM rows WHERE projection = $projection";
        command.Parameters.AddWithValue("$projection", projection);
        using var reader = command.ExecuteReader();
        reader.Read();
        var (rows, bytes) = (reader.GetInt64(0), reader.GetInt64(1));
        if ((rows, bytes) != expected)
        {
            throw new InvalidDataException($"{_partial}: {projection} holds {rows:N0} rows ({bytes:N0} bytes) after {expected.Rows:N0} rows ({expected.Bytes:N0} bytes) were written.");
        }
    }

    private void Check(int rc, string what)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"{_partial}: could not {what}: {raw.sqlite3_errmsg(_connection.Handle!).utf8_to_string()}", rc);
        }
    }

    public void SetInfo(string name, string value)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO replay (name, value) VALUES ($name, $value)";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// One projection's rows as stored, in ordinal key order (what the diff compares with the live read model); each
    /// row's text is in one buffer reused for the next row (see <see cref="ReplayRow"/>).
    /// </summary>
    public async IAsyncEnumerable<ReplayRow> ReadRowsAsync(string projection,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = _connection.CreateCommand();
        // COLLATE BINARY is SQLite's default: the same order as StringComparer.Ordinal for the UTF-8 keys written here.
        command.CommandText = "SELECT key, value FROM rows WHERE projection = $projection ORDER BY key";
        command.Parameters.AddWithValue("$projection", projection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var buffer = new byte[1024];
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            var length = (int)reader.GetBytes(1, 0, null, 0, 0);
            if (length > buffer.Length)
            {
                buffer = new byte[Math.Max(length, buffer.Length * 2)];
            }
            reader.GetBytes(1, 0, buffer, 0, length);
            yield return new ReplayRow(key, buffer.AsMemory(0, length));
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
