namespace Clearing.EventSourcing.Sqlite;

internal sealed class SqliteSnapshotStore(SqliteEventStore store) : ISnapshotStore
{
    public Task SaveAsync(Snapshot snapshot, CancellationToken cancellationToken = default) =>
        store.ExecuteWriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            // Only a newer snapshot replaces an older one: a slow writer never rolls a snapshot back.
            command.CommandText = """
                INSERT INTO snapshots (stream_id, stream_version, type, schema_version, data) VALUES ($s, $v, $t, $sv, $d)
                ON CONFLICT (stream_id) DO UPDATE SET stream_version = excluded.stream_version, type = excluded.type,
                    schema_version = excluded.schema_version, data = excluded.data
                WHERE excluded.stream_version > snapshots.stream_version
                """;
            command.Parameters.AddWithValue("$s", snapshot.StreamId);
            command.Parameters.AddWithValue("$v", snapshot.StreamVersion);
            command.Parameters.AddWithValue("$t", snapshot.Type);
            command.Parameters.AddWithValue("$sv", snapshot.SchemaVersion);
            command.Parameters.AddWithValue("$d", Utf8.Text(snapshot.Data));
            command.ExecuteNonQuery();
        });

    public async Task<Snapshot?> LoadAsync(string streamId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT stream_version, type, schema_version, data FROM snapshots WHERE stream_id = $s";
        command.Parameters.AddWithValue("$s", streamId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Snapshot(streamId, reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetFieldValue<byte[]>(3))
            : null;
    }
}

internal sealed class SqliteCheckpointStore(SqliteEventStore store) : ICheckpointStore
{
    public async Task<long?> LoadAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT position FROM checkpoints WHERE name = $n";
        command.Parameters.AddWithValue("$n", name);
        return await command.ExecuteScalarAsync(cancellationToken) is long position ? position : null;
    }

    public Task SaveAsync(string name, long position, CancellationToken cancellationToken = default) =>
        store.ExecuteWriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO checkpoints (name, position) VALUES ($n, $p) ON CONFLICT (name) DO UPDATE SET position = excluded.position";
            command.Parameters.AddWithValue("$n", name);
            command.Parameters.AddWithValue("$p", position);
            command.ExecuteNonQuery();
        });
}
