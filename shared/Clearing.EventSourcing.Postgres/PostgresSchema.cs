using Npgsql;

namespace Clearing.EventSourcing.Postgres;

internal static class PostgresSchema
{
    public const string EventColumns =
        "stream_id, stream_version, global_position, event_id, type, schema_version, data::text, metadata, created_at, correlation_id, causation_id, prev_hash, hash";

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Serialize migrations across processes: CREATE … IF NOT EXISTS still races on the catalog.
        command.CommandText = $"""
            SELECT pg_advisory_xact_lock(hashtext('clearing-event-store-schema'));
            CREATE SCHEMA IF NOT EXISTS "{schema}";
            CREATE TABLE IF NOT EXISTS "{schema}".events (
                global_position bigint      PRIMARY KEY,
                stream_id       text        NOT NULL,
                stream_version  bigint      NOT NULL,
                category        text        NOT NULL,
                event_id        uuid        NOT NULL,
                type            text        NOT NULL,
                schema_version  integer     NOT NULL,
                data            json        NOT NULL,
                metadata        text        NOT NULL,
                created_at      timestamptz NOT NULL,
                correlation_id  uuid,
                causation_id    uuid,
                prev_hash       bytea       NOT NULL,
                hash            bytea       NOT NULL,
                UNIQUE (stream_id, stream_version)
            );
            CREATE INDEX IF NOT EXISTS events_by_category ON "{schema}".events (category, global_position);
            -- One row holds the global head. Appends lock it, so positions are handed out in commit order with no
            -- gaps, and a reader of $all can never skip an event that commits later with a lower position.
            CREATE TABLE IF NOT EXISTS "{schema}".head (id integer PRIMARY KEY CHECK (id = 1), position bigint NOT NULL);
            INSERT INTO "{schema}".head (id, position) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
            CREATE TABLE IF NOT EXISTS "{schema}".snapshots (
                stream_id      text PRIMARY KEY,
                stream_version bigint  NOT NULL,
                type           text    NOT NULL,
                schema_version integer NOT NULL,
                data           json    NOT NULL
            );
            CREATE TABLE IF NOT EXISTS "{schema}".checkpoints (name text PRIMARY KEY, position bigint NOT NULL);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public static RecordedEvent ReadEvent(NpgsqlDataReader r) => new(
        StreamId: r.GetString(0),
        StreamVersion: r.GetInt64(1),
        GlobalPosition: r.GetInt64(2),
        EventId: r.GetGuid(3),
        Type: r.GetString(4),
        SchemaVersion: r.GetInt32(5),
        Data: System.Text.Encoding.UTF8.GetBytes(r.GetString(6)),
        Metadata: System.Text.Encoding.UTF8.GetBytes(r.GetString(7)),
        Timestamp: new DateTimeOffset(r.GetDateTime(8), TimeSpan.Zero),
        CorrelationId: r.IsDBNull(9) ? null : r.GetGuid(9),
        CausationId: r.IsDBNull(10) ? null : r.GetGuid(10),
        PreviousHash: r.GetFieldValue<byte[]>(11),
        Hash: r.GetFieldValue<byte[]>(12));

    /// <summary>Schema names go into SQL text, so only plain identifiers are accepted.</summary>
    public static string ValidateIdentifier(string schema) =>
        schema.Length is > 0 and <= 63 && schema.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_') && !char.IsAsciiDigit(schema[0])
            ? schema
            : throw new ArgumentException($"EventStore:PostgresSchema '{schema}' must be a lower-case identifier (a-z, 0-9, _).", nameof(schema));
}
