using Npgsql;

namespace Clearing.EventSourcing.Postgres;

internal sealed class PostgresSnapshotStore(NpgsqlDataSource dataSource, string schema) : ISnapshotStore
{
    public async Task SaveAsync(Snapshot snapshot, CancellationToken cancellationToken = default)
    {
        // Only a newer snapshot replaces an older one: a slow writer never rolls a snapshot back.
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO "{schema}".snapshots (stream_id, stream_version, type, schema_version, data) VALUES ($1, $2, $3, $4, $5::json)
            ON CONFLICT (stream_id) DO UPDATE SET stream_version = excluded.stream_version, type = excluded.type,
                schema_version = excluded.schema_version, data = excluded.data
            WHERE excluded.stream_version > "{schema}".snapshots.stream_version
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.StreamId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.Type });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = snapshot.SchemaVersion });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Utf8.Text(snapshot.Data) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Snapshot?> LoadAsync(string streamId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT stream_version, type, schema_version, data::text FROM \"{schema}\".snapshots WHERE stream_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Snapshot(streamId, reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), System.Text.Encoding.UTF8.GetBytes(reader.GetString(3)))
            : null;
    }
}

internal sealed class PostgresCheckpointStore(NpgsqlDataSource dataSource, string schema) : ICheckpointStore
{
    public async Task<long?> LoadAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT position FROM \"{schema}\".checkpoints WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteScalarAsync(cancellationToken) is long position ? position : null;
    }

    public async Task SaveAsync(string name, long position, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"INSERT INTO \"{schema}\".checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
