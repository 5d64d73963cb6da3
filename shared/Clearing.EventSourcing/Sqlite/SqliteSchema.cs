using Microsoft.Data.Sqlite;

namespace Clearing.EventSourcing.Sqlite;

/// <summary>Tables are plain and readable: an operator can `sqlite3 events.db "select type, data from events"`.</summary>
internal static class SqliteSchema
{
    public const string EventColumns =
        "stream_id, stream_version, global_position, event_id, type, schema_version, data, metadata, created_us, correlation_id, causation_id, prev_hash, hash";

    public static void Apply(SqliteConnection connection, SqliteSynchronous synchronous)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = {(synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL")};
            PRAGMA busy_timeout = 30000;
            PRAGMA cache_size = -65536;
            PRAGMA temp_store = MEMORY;
            PRAGMA mmap_size = 268435456;
            CREATE TABLE IF NOT EXISTS events (
                global_position INTEGER PRIMARY KEY,
                stream_id       TEXT    NOT NULL,
                stream_version  INTEGER NOT NULL,
                category        TEXT    NOT NULL,
                event_id        TEXT    NOT NULL,
                type            TEXT    NOT NULL,
                schema_version  INTEGER NOT NULL,
                data            TEXT    NOT NULL CHECK (json_valid(data)),
                metadata        TEXT    NOT NULL,
                created_us      INTEGER NOT NULL,
                correlation_id  TEXT,
                causation_id    TEXT,
                prev_hash       BLOB    NOT NULL,
                hash            BLOB    NOT NULL,
                UNIQUE (stream_id, stream_version)
            );
            CREATE INDEX IF NOT EXISTS events_by_category ON events (category, global_position);
            CREATE TABLE IF NOT EXISTS snapshots (
                stream_id      TEXT PRIMARY KEY,
                stream_version INTEGER NOT NULL,
                type           TEXT    NOT NULL,
                schema_version INTEGER NOT NULL,
                data           TEXT    NOT NULL
            );
            CREATE TABLE IF NOT EXISTS checkpoints (
                name     TEXT PRIMARY KEY,
                position INTEGER NOT NULL
            );
            """;
        command.ExecuteNonQuery();
    }
}
