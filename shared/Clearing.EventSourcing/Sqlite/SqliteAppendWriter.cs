using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Clearing.EventSourcing.Sqlite;

/// <summary>
/// Writes one group commit. Each append runs in its own savepoint: a refused append (wrong version, invalid
/// event data) is rolled back alone while the rest of the batch commits. The insert is bound through SQLitePCL's
/// raw API by index, straight from the events' UTF-8 bytes: name-based binding and string round-trips cost more
/// than SQLite's own work on this path.
/// </summary>
internal sealed class SqliteAppendWriter : IDisposable
{
    private const int SqliteDone = 101;
    private const int SqliteRow = 100;
    private const int SqliteConstraint = 19;

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt _head;
    private readonly sqlite3_stmt _globalHead;
    private readonly sqlite3_stmt _streamTail;

    public SqliteAppendWriter(SqliteConnection connection)
    {
        _connection = connection;
        _db = connection.Handle!;
        _insert = Prepare(
            "INSERT INTO events (global_position, stream_id, stream_version, category, event_id, type, schema_version, data, metadata, created_us, correlation_id, causation_id, prev_hash, hash) " +
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
        _head = Prepare("SELECT stream_version, hash FROM events WHERE stream_id = ?1 ORDER BY stream_version DESC LIMIT 1");
        _globalHead = Prepare("SELECT COALESCE(MAX(global_position), 0) FROM events");
        _streamTail = Prepare("SELECT event_id, stream_version, global_position FROM events WHERE stream_id = ?1 AND stream_version > ?2 ORDER BY stream_version LIMIT ?3");
    }

    public void Commit(List<SqliteEventStore.PendingAppend> batch, SqliteEventStore.Outcome[] results, DateTimeOffset now)
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        var position = ScalarInt64(_globalHead);
        var heads = new Dictionary<string, (long Version, byte[] Hash)>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var pending = batch[i];
            if (pending.Write is { } write)
            {
                write(_connection);
                continue;
            }

            transaction.Save("append");
            try
            {
                results[i] = Append(pending, heads, ref position, now);
                transaction.Release("append");
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
            {
                // A CHECK failed (event data is not JSON): undo this append only; the batch goes on.
                transaction.Rollback("append");
                transaction.Release("append");
                position = ScalarInt64(_globalHead);
                heads.Remove(pending.StreamId);
                results[i] = new(default, new InvalidEventException(pending.StreamId, ex.Message));
            }
        }

        transaction.Commit();
    }

    public void Dispose()
    {
        _insert.Dispose();
        _head.Dispose();
        _globalHead.Dispose();
        _streamTail.Dispose();
    }

    private SqliteEventStore.Outcome Append(SqliteEventStore.PendingAppend pending, Dictionary<string, (long Version, byte[] Hash)> heads, ref long position, DateTimeOffset now)
    {
        var (version, previous) = heads.TryGetValue(pending.StreamId, out var cached) ? cached : ReadHead(pending.StreamId);
        if (!pending.Expected.Accepts(version))
        {
            return IdempotentRetry(pending) is { } replay
                ? new(replay, null)
                : new(default, new WrongExpectedVersionException(pending.StreamId, pending.Expected, version));
        }

        var category = StreamName.CategoryOf(pending.StreamId);
        var micros = EventHashing.ToMicros(now);
        Span<byte> id = stackalloc byte[36];
        foreach (var e in pending.Events)
        {
            version++;
            position++;
            var hash = EventHashing.Compute(previous, pending.StreamId, version, e.EventId, e.Type, e.SchemaVersion,
                micros, e.CorrelationId, e.CausationId, e.Data.Span, e.Metadata.Span);
            raw.sqlite3_bind_int64(_insert, 1, position);
            raw.sqlite3_bind_text(_insert, 2, pending.StreamId);
            raw.sqlite3_bind_int64(_insert, 3, version);
            raw.sqlite3_bind_text(_insert, 4, category);
            BindGuid(5, e.EventId, id);
            raw.sqlite3_bind_text(_insert, 6, e.Type);
            raw.sqlite3_bind_int(_insert, 7, e.SchemaVersion);
            raw.sqlite3_bind_text(_insert, 8, e.Data.Span);
            raw.sqlite3_bind_text(_insert, 9, e.Metadata.Span);
            raw.sqlite3_bind_int64(_insert, 10, micros);
            BindOptionalGuid(11, e.CorrelationId, id);
            BindOptionalGuid(12, e.CausationId, id);
            raw.sqlite3_bind_blob(_insert, 13, previous);
            raw.sqlite3_bind_blob(_insert, 14, hash);
            Step(_insert);
            previous = hash;
        }

        heads[pending.StreamId] = (version, previous);
        return new(new AppendResult(version, position), null);
    }

    /// <summary>
    /// A retried append whose events are already stored, in order, right after the expected version succeeds
    /// without writing: the first try committed and only its answer was lost. Event ids are unique per stream,
    /// which is where a retry lands; a global unique index would triple the cost of every insert.
    /// </summary>
    private AppendResult? IdempotentRetry(SqliteEventStore.PendingAppend pending)
    {
        if (pending.Expected.IsAny)
        {
            return null;
        }

        raw.sqlite3_bind_text(_streamTail, 1, pending.StreamId);
        raw.sqlite3_bind_int64(_streamTail, 2, pending.Expected.Value);
        raw.sqlite3_bind_int(_streamTail, 3, pending.Events.Count);
        try
        {
            AppendResult? result = null;
            for (var i = 0; i < pending.Events.Count; i++)
            {
                if (raw.sqlite3_step(_streamTail) != SqliteRow
                    || !Guid.TryParse(Encoding.UTF8.GetString(raw.sqlite3_column_blob(_streamTail, 0)), out var stored)
                    || stored != pending.Events[i].EventId)
                {
                    return null;
                }

                result = new AppendResult(raw.sqlite3_column_int64(_streamTail, 1), raw.sqlite3_column_int64(_streamTail, 2));
            }

            return result;
        }
        finally
        {
            raw.sqlite3_reset(_streamTail);
        }
    }

    private (long Version, byte[] Hash) ReadHead(string streamId)
    {
        raw.sqlite3_bind_text(_head, 1, streamId);
        try
        {
            return raw.sqlite3_step(_head) == SqliteRow
                ? (raw.sqlite3_column_int64(_head, 0), raw.sqlite3_column_blob(_head, 1).ToArray())
                : (-1L, EventHashing.Genesis.ToArray());
        }
        finally
        {
            raw.sqlite3_reset(_head);
        }
    }

    private long ScalarInt64(sqlite3_stmt statement)
    {
        try
        {
            if (raw.sqlite3_step(statement) != SqliteRow)
            {
                throw Error("reading the global head");
            }

            return raw.sqlite3_column_int64(statement, 0);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    private void BindGuid(int index, Guid value, Span<byte> buffer)
    {
        value.TryFormat(buffer, out var written);
        raw.sqlite3_bind_text(_insert, index, buffer[..written]);
    }

    private void BindOptionalGuid(int index, Guid? value, Span<byte> buffer)
    {
        if (value is { } guid)
        {
            BindGuid(index, guid, buffer);
        }
        else
        {
            raw.sqlite3_bind_null(_insert, index);
        }
    }

    private void Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != SqliteDone)
        {
            throw Error("appending an event", rc);
        }
    }

    private SqliteException Error(string doing, int? rc = null)
    {
        var code = rc ?? raw.sqlite3_errcode(_db);
        return new SqliteException($"SQLite error {code} while {doing}: {raw.sqlite3_errmsg(_db).utf8_to_string()}", raw.sqlite3_extended_errcode(_db) & 0xFF);
    }

    private sqlite3_stmt Prepare(string sql)
    {
        if (raw.sqlite3_prepare_v2(_db, sql, out var statement) != raw.SQLITE_OK)
        {
            throw Error($"preparing \"{sql}\"");
        }

        return statement;
    }
}
