using Microsoft.Data.Sqlite;

namespace Clearing.EventSourcing.Sqlite;

/// <summary>
/// Writes one group commit. Each append runs in its own savepoint: a refused append (wrong version,
/// duplicate event id) is rolled back alone while the rest of the batch commits.
/// </summary>
internal sealed class SqliteAppendWriter
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _head;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _globalHead;
    private readonly SqliteCommand _findEvent;

    public SqliteAppendWriter(SqliteConnection connection)
    {
        _connection = connection;
        _head = Prepare("SELECT stream_version, hash FROM events WHERE stream_id = $s ORDER BY stream_version DESC LIMIT 1", "$s");
        _globalHead = Prepare("SELECT COALESCE(MAX(global_position), 0) FROM events");
        _findEvent = Prepare("SELECT stream_id, stream_version, global_position FROM events WHERE event_id = $id", "$id");
        _insert = Prepare(
            "INSERT INTO events (global_position, stream_id, stream_version, category, event_id, type, schema_version, data, metadata, created_us, correlation_id, causation_id, prev_hash, hash) " +
            "VALUES ($p, $s, $v, $c, $id, $t, $sv, $d, $m, $ts, $corr, $caus, $ph, $h)",
            "$p", "$s", "$v", "$c", "$id", "$t", "$sv", "$d", "$m", "$ts", "$corr", "$caus", "$ph", "$h");
    }

    public void Commit(List<SqliteEventStore.PendingAppend> batch, SqliteEventStore.Outcome[] results, DateTimeOffset now)
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        Enlist(transaction);
        var position = (long)_globalHead.ExecuteScalar()!;
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
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                // SQLITE_CONSTRAINT: an event id is already stored elsewhere. Undo this append only.
                transaction.Rollback("append");
                transaction.Release("append");
                position = (long)_globalHead.ExecuteScalar()!;
                heads.Remove(pending.StreamId);
                results[i] = new(default, new DuplicateEventException(pending.StreamId, ex.Message));
            }
        }

        transaction.Commit();
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
        foreach (var e in pending.Events)
        {
            version++;
            position++;
            var hash = EventHashing.Compute(previous, pending.StreamId, version, e.EventId, e.Type, e.SchemaVersion,
                micros, e.CorrelationId, e.CausationId, e.Data.Span, e.Metadata.Span);
            var p = _insert.Parameters;
            p[0].Value = position;
            p[1].Value = pending.StreamId;
            p[2].Value = version;
            p[3].Value = category;
            p[4].Value = e.EventId.ToString();
            p[5].Value = e.Type;
            p[6].Value = e.SchemaVersion;
            p[7].Value = Utf8.Text(e.Data);
            p[8].Value = Utf8.Text(e.Metadata);
            p[9].Value = micros;
            p[10].Value = (object?)e.CorrelationId?.ToString() ?? DBNull.Value;
            p[11].Value = (object?)e.CausationId?.ToString() ?? DBNull.Value;
            p[12].Value = previous;
            p[13].Value = hash;
            _insert.ExecuteNonQuery();
            previous = hash;
        }

        heads[pending.StreamId] = (version, previous);
        return new(new AppendResult(version, position), null);
    }

    /// <summary>
    /// A retried append whose events are all already stored, in order, right after the expected version
    /// succeeds without writing: the first try committed and only its answer was lost.
    /// </summary>
    private AppendResult? IdempotentRetry(SqliteEventStore.PendingAppend pending)
    {
        long expectedVersion = pending.Expected.IsAny ? -2 : pending.Expected.Value;
        AppendResult? result = null;
        for (var i = 0; i < pending.Events.Count; i++)
        {
            _findEvent.Parameters[0].Value = pending.Events[i].EventId.ToString();
            using var reader = _findEvent.ExecuteReader();
            if (!reader.Read() || reader.GetString(0) != pending.StreamId)
            {
                return null;
            }

            var storedVersion = reader.GetInt64(1);
            if (expectedVersion != -2 && storedVersion != expectedVersion + 1 + i)
            {
                return null;
            }

            result = new AppendResult(storedVersion, reader.GetInt64(2));
        }

        return result;
    }

    private (long Version, byte[] Hash) ReadHead(string streamId)
    {
        _head.Parameters[0].Value = streamId;
        using var reader = _head.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)) : (-1L, EventHashing.Genesis.ToArray());
    }

    private void Enlist(SqliteTransaction transaction)
    {
        _head.Transaction = transaction;
        _insert.Transaction = transaction;
        _globalHead.Transaction = transaction;
        _findEvent.Transaction = transaction;
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }
}
