using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Clearing.EventSourcing.Sqlite;

/// <summary>
/// Reads events through SQLitePCL's raw API: one byte[] per event holds data, metadata and both hashes, and
/// stream ids and type names are shared across rows, so a $all scan allocates little beyond the events themselves.
/// </summary>
internal sealed class SqliteEventReader : IDisposable
{
    private const int SqliteRow = 100;
    private const int SqliteDone = 101;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public SqliteEventReader(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        if (raw.sqlite3_prepare_v2(_db, sql, out _statement) != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite could not prepare a read: {raw.sqlite3_errmsg(_db).utf8_to_string()}", raw.sqlite3_errcode(_db));
        }

        _lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public SqliteEventReader Bind(int index, long value)
    {
        raw.sqlite3_bind_int64(_statement, index, value);
        return this;
    }

    public SqliteEventReader Bind(int index, string value)
    {
        raw.sqlite3_bind_text(_statement, index, value);
        return this;
    }

    /// <summary>The first column of the first row as an integer (a scalar query).</summary>
    public long Scalar()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc != SqliteRow)
        {
            throw new SqliteException($"SQLite read returned no row: {raw.sqlite3_errmsg(_db).utf8_to_string()}", rc);
        }

        return raw.sqlite3_column_int64(_statement, 0);
    }

    /// <summary>The next event, or null at the end.</summary>
    public RecordedEvent? Next()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == SqliteDone)
        {
            return null;
        }

        if (rc != SqliteRow)
        {
            throw new SqliteException($"SQLite read failed: {raw.sqlite3_errmsg(_db).utf8_to_string()}", rc);
        }

        var s = _statement;
        var data = raw.sqlite3_column_blob(s, 6);
        var metadata = raw.sqlite3_column_blob(s, 7);
        var previous = raw.sqlite3_column_blob(s, 11);
        var hash = raw.sqlite3_column_blob(s, 12);
        var bytes = new byte[data.Length + metadata.Length + previous.Length + hash.Length];
        var memory = bytes.AsMemory();
        var at = 0;
        var dataMemory = Copy(data, memory, ref at);
        var metadataMemory = Copy(metadata, memory, ref at);
        var previousMemory = Copy(previous, memory, ref at);
        var hashMemory = Copy(hash, memory, ref at);
        return new RecordedEvent(
            StreamId: Name(raw.sqlite3_column_blob(s, 0)),
            StreamVersion: raw.sqlite3_column_int64(s, 1),
            GlobalPosition: raw.sqlite3_column_int64(s, 2),
            EventId: ParseGuid(raw.sqlite3_column_blob(s, 3)),
            Type: Name(raw.sqlite3_column_blob(s, 4)),
            SchemaVersion: raw.sqlite3_column_int(s, 5),
            Data: dataMemory,
            Metadata: metadataMemory,
            Timestamp: EventHashing.FromMicros(raw.sqlite3_column_int64(s, 8)),
            CorrelationId: raw.sqlite3_column_type(s, 9) == raw.SQLITE_NULL ? null : ParseGuid(raw.sqlite3_column_blob(s, 9)),
            CausationId: raw.sqlite3_column_type(s, 10) == raw.SQLITE_NULL ? null : ParseGuid(raw.sqlite3_column_blob(s, 10)),
            PreviousHash: previousMemory,
            Hash: hashMemory);
    }

    public void Dispose() => _statement.Dispose();

    private static ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> source, Memory<byte> target, ref int at)
    {
        source.CopyTo(target.Span[at..]);
        var slice = target.Slice(at, source.Length);
        at += source.Length;
        return slice;
    }

    private static Guid ParseGuid(ReadOnlySpan<byte> utf8) =>
        Guid.TryParse(utf8, out var guid) ? guid : throw new FormatException($"Stored id '{Encoding.UTF8.GetString(utf8)}' is not a GUID.");

    /// <summary>Stream ids and type names repeat across rows: decode into a stack buffer and reuse one string each.</summary>
    private string Name(ReadOnlySpan<byte> utf8)
    {
        Span<char> chars = stackalloc char[Encoding.UTF8.GetMaxCharCount(Math.Min(utf8.Length, 512))];
        if (utf8.Length > 512)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var length = Encoding.UTF8.GetChars(utf8, chars);
        var name = chars[..length];
        if (_lookup.TryGetValue(name, out var existing))
        {
            return existing;
        }

        var created = new string(name);
        if (_names.Count < 4096)
        {
            _names[created] = created;
        }

        return created;
    }
}
