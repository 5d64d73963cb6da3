using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace Clearing.EventSourcing.Postgres;

/// <summary>
/// The production event store on PostgreSQL. An append is one transaction: lock the global head row, read the
/// stream's head, insert every event with one array-bound INSERT, move the head. Readers never lock.
/// </summary>
public sealed class PostgresEventStore : IEventStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;
    private readonly CommitSignal _signal = new();
    private readonly string _insertSql;
    private readonly string _readStreamForwardSql;
    private readonly string _readStreamBackwardSql;
    private readonly string _readAllSql;
    private readonly string _readCategorySql;
    private readonly string _readPageSql;

    private PostgresEventStore(NpgsqlDataSource dataSource, PostgresEventStoreOptions options, TimeProvider time)
    {
        _dataSource = dataSource;
        _schema = options.Schema;
        _time = time;
        _pollInterval = options.PollInterval;
        var e = $"\"{_schema}\".events";
        _insertSql = $"""
            INSERT INTO {e} (global_position, stream_id, stream_version, category, event_id, type, schema_version, data, metadata, created_at, correlation_id, causation_id, prev_hash, hash)
            SELECT u.p, $1, u.v, $2, u.id, u.t, u.sv, u.d::json, u.m, $3, u.corr, u.caus, u.ph, u.h
            FROM unnest($4::bigint[], $5::bigint[], $6::uuid[], $7::text[], $8::integer[], $9::text[], $10::text[], $11::uuid[], $12::uuid[], $13::bytea[], $14::bytea[])
                AS u(p, v, id, t, sv, d, m, corr, caus, ph, h)
            """;
        _readStreamForwardSql = $"SELECT {PostgresSchema.EventColumns} FROM {e} WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3";
        _readStreamBackwardSql = $"SELECT {PostgresSchema.EventColumns} FROM {e} WHERE stream_id = $1 AND ($2 < 0 OR stream_version <= $2) ORDER BY stream_version DESC LIMIT $3";
        _readAllSql = $"SELECT {PostgresSchema.EventColumns} FROM {e} WHERE global_position >= $1 ORDER BY global_position LIMIT $2";
        _readCategorySql = $"SELECT {PostgresSchema.EventColumns} FROM {e} WHERE category = $3 AND global_position >= $1 ORDER BY global_position LIMIT $2";
        _readPageSql = $"SELECT {PostgresSchema.EventColumns} FROM {e} WHERE global_position >= $1 AND global_position <= $2 AND ($4::text IS NULL OR category = $4) " +
            "AND ($6 = (type = ANY($5))) ORDER BY global_position LIMIT $3";
        Snapshots = new PostgresSnapshotStore(dataSource, _schema);
        Checkpoints = new PostgresCheckpointStore(dataSource, _schema);
    }

    public ISnapshotStore Snapshots { get; }

    public ICheckpointStore Checkpoints { get; }

    /// <summary>Connects, creates the schema if needed, and returns a ready store.</summary>
    public static async Task<PostgresEventStore> OpenAsync(PostgresEventStoreOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        PostgresSchema.ValidateIdentifier(options.Schema);
        var dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        try
        {
            await PostgresSchema.ApplyAsync(dataSource, options.Schema, cancellationToken);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }

        return new PostgresEventStore(dataSource, options, time ?? TimeProvider.System);
    }

    public async Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        StreamName.Validate(streamId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("An append needs at least one event.", nameof(events));
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One round trip: move the head (its row lock serializes appends and hands out gap-free positions in commit
        // order) and read the stream's head. A refused append rolls the head back with its transaction.
        var (position, version, previous) = await ReserveAsync(connection, transaction, streamId, events.Count, cancellationToken);
        if (!expected.Accepts(version))
        {
            await transaction.RollbackAsync(cancellationToken);
            return await IdempotentRetryAsync(connection, streamId, expected, events, cancellationToken)
                ?? throw new WrongExpectedVersionException(streamId, expected, version);
        }

        var now = _time.GetUtcNow();
        var micros = EventHashing.ToMicros(now);
        var n = events.Count;
        var positions = new long[n];
        var versions = new long[n];
        var ids = new Guid[n];
        var types = new string[n];
        var schemaVersions = new int[n];
        var data = new string[n];
        var metadata = new string[n];
        var correlations = new Guid?[n];
        var causations = new Guid?[n];
        var previousHashes = new byte[n][];
        var hashes = new byte[n][];
        for (var i = 0; i < n; i++)
        {
            var e = events[i];
            positions[i] = position + 1 + i;
            versions[i] = version + 1 + i;
            ids[i] = e.EventId;
            types[i] = e.Type;
            schemaVersions[i] = e.SchemaVersion;
            data[i] = Utf8.Text(e.Data);
            metadata[i] = Utf8.Text(e.Metadata);
            correlations[i] = e.CorrelationId;
            causations[i] = e.CausationId;
            previousHashes[i] = previous;
            previous = EventHashing.Compute(previous, streamId, versions[i], e.EventId, e.Type, e.SchemaVersion, micros,
                e.CorrelationId, e.CausationId, e.Data.Span, e.Metadata.Span);
            hashes[i] = previous;
        }

        try
        {
            await using (var insert = new NpgsqlCommand(_insertSql, connection, transaction))
            {
                var p = insert.Parameters;
                p.Add(new NpgsqlParameter<string> { TypedValue = streamId });
                p.Add(new NpgsqlParameter<string> { TypedValue = StreamName.CategoryOf(streamId) });
                p.Add(new NpgsqlParameter<DateTime> { TypedValue = EventHashing.FromMicros(micros).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                p.Add(new NpgsqlParameter<long[]> { TypedValue = positions });
                p.Add(new NpgsqlParameter<long[]> { TypedValue = versions });
                p.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
                p.Add(new NpgsqlParameter<string[]> { TypedValue = types });
                p.Add(new NpgsqlParameter<int[]> { TypedValue = schemaVersions });
                p.Add(new NpgsqlParameter<string[]> { TypedValue = data });
                p.Add(new NpgsqlParameter<string[]> { TypedValue = metadata });
                p.Add(new NpgsqlParameter<Guid?[]> { TypedValue = correlations });
                p.Add(new NpgsqlParameter<Guid?[]> { TypedValue = causations });
                p.Add(new NpgsqlParameter<byte[][]> { TypedValue = previousHashes });
                p.Add(new NpgsqlParameter<byte[][]> { TypedValue = hashes });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidTextRepresentation)
        {
            // The json column refused an event's data; the transaction rolls back whole.
            throw new InvalidEventException(streamId, ex.MessageText);
        }

        _signal.Pulse();
        return new AppendResult(version + n, position + n);
    }

    public async IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount = int.MaxValue,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(direction == ReadDirection.Forward ? _readStreamForwardSql : _readStreamBackwardSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxCount });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresSchema.ReadEvent(reader);
        }
    }

    public async IAsyncEnumerable<RecordedEvent> ReadAllAsync(long fromPosition, int maxCount, string? category = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(category is null ? _readAllSql : _readCategorySql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromPosition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxCount });
        if (category is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = category });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresSchema.ReadEvent(reader);
        }
    }

    public async Task<EventPage> ReadAllPageAsync(long fromPosition, int maxCount, string? category, EventTypeFilter types,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        ArgumentNullException.ThrowIfNull(types);
        // The head first: it moves in the same transaction as the events, so every event at or below it is committed.
        var head = await GetHeadPositionAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(_readPageSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromPosition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxCount });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)category ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. types.Types], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = types.Include });
        var events = new List<RecordedEvent>(Math.Min(maxCount, 256));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                events.Add(PostgresSchema.ReadEvent(reader));
            }
        }

        var covered = events.Count == maxCount ? events[^1].GlobalPosition : Math.Max(head, fromPosition - 1);
        return new EventPage(events, covered, head);
    }

    public async Task<long> GetStreamVersionAsync(string streamId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT COALESCE(MAX(stream_version), -1) FROM \"{_schema}\".events WHERE stream_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> GetHeadPositionAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT position FROM \"{_schema}\".head WHERE id = 1");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task WaitForEventsAsync(long afterPosition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            var committed = _signal.Next;
            if (await GetHeadPositionAsync(cancellationToken) > afterPosition)
            {
                return;
            }

            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            await CommitSignal.WaitAsync(committed, left < _pollInterval ? left : _pollInterval, cancellationToken);
        }
    }

    public Task<VerifyResult> VerifyAsync(string? streamId = null, CancellationToken cancellationToken = default) =>
        ChainVerifier.VerifyAsync(this, streamId, cancellationToken);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private async Task<(long Position, long Version, byte[] Hash)> ReserveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, int count, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"UPDATE \"{_schema}\".head SET position = position + $1 WHERE id = 1 RETURNING position - $1")
                {
                    Parameters = { new NpgsqlParameter<long> { TypedValue = count } },
                },
                new NpgsqlBatchCommand($"SELECT stream_version, hash FROM \"{_schema}\".events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1")
                {
                    Parameters = { new NpgsqlParameter<string> { TypedValue = streamId } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var position = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (position, reader.GetInt64(0), reader.GetFieldValue<byte[]>(1))
            : (position, -1L, EventHashing.Genesis.ToArray());
    }

    /// <summary>
    /// A retry of an append that already committed (only its answer was lost) succeeds without writing. Event ids
    /// are checked where a retry lands, right after the expected version in the same stream.
    /// </summary>
    private async Task<AppendResult?> IdempotentRetryAsync(NpgsqlConnection connection, string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken cancellationToken)
    {
        if (expected.IsAny)
        {
            return null;
        }

        await using var command = new NpgsqlCommand($"SELECT event_id, stream_version, global_position FROM \"{_schema}\".events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version LIMIT $3", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expected.Value });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = events.Count });
        var stored = new List<(Guid Id, long Version, long Position)>(events.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                stored.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        if (stored.Count != events.Count || stored.Where((s, i) => s.Id != events[i].EventId).Any())
        {
            return null;
        }

        return new AppendResult(stored[^1].Version, stored[^1].Position);
    }
}
