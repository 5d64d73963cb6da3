using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Clearing.EventSourcing.Sqlite;

/// <summary>
/// The embedded event store: one SQLite file in WAL mode. Writes go through a single writer loop that
/// group-commits every append waiting in its queue into one transaction (each append in its own savepoint,
/// so one refused append never takes the others down). Reads use their own pooled connections and never
/// block the writer.
/// </summary>
public sealed class SqliteEventStore : IEventStore, IAsyncDisposable
{
    private const int MaxAppendsPerCommit = 256;

    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly SqliteConnection _writer;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly Task _writerLoop;
    private readonly CommitSignal _signal = new();
    private readonly string? _scanMapPragma;
    private long _committedHead;
    private readonly Thread? _checkpointer;
    private readonly CancellationTokenSource _stopping = new();
    private Exception? _checkpointFailure;

    public SqliteEventStore(SqliteEventStoreOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? TimeProvider.System;
        _scanMapPragma = options.ScanMapBytes > 0
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PRAGMA mmap_size = {options.ScanMapBytes}")
            : null;
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        SqliteSchema.Apply(_writer, options.Synchronous);
        if (options.BackgroundCheckpointInterval > TimeSpan.Zero)
        {
            using (var pragma = _writer.CreateCommand())
            {
                pragma.CommandText = $"PRAGMA wal_autocheckpoint = {SqliteEventStoreOptions.SafetyCheckpointPages}";
                pragma.ExecuteNonQuery();
            }

            _checkpointer = new Thread(() => RunCheckpointer(options.BackgroundCheckpointInterval)) { IsBackground = true, Name = "sqlite-wal-checkpoint" };
            _checkpointer.Start();
        }

        Snapshots = new SqliteSnapshotStore(this);
        Checkpoints = new SqliteCheckpointStore(this);
        _writerLoop = Task.Factory.StartNew(RunWriterAsync, CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public ISnapshotStore Snapshots { get; }

    /// <summary>
    /// The last background checkpoint's failure (null once one succeeds again). The store keeps working: commits
    /// checkpoint themselves past <see cref="SqliteEventStoreOptions.SafetyCheckpointPages"/>, and the health check reports it.
    /// </summary>
    public Exception? CheckpointFailure => Volatile.Read(ref _checkpointFailure);

    public ICheckpointStore Checkpoints { get; }

    public Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        StreamName.Validate(streamId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("An append needs at least one event.", nameof(events));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingAppend(streamId, expected, events);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(SqliteEventStore), "The event store is shut down; the append was not written.");
        }

        return pending.Done.Task;
    }

    public async IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount = int.MaxValue,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        using var reader = new SqliteEventReader(connection, direction == ReadDirection.Forward
            ? $"SELECT {SqliteSchema.EventColumns} FROM events WHERE stream_id = ?1 AND stream_version >= ?2 ORDER BY stream_version LIMIT ?3"
            : $"SELECT {SqliteSchema.EventColumns} FROM events WHERE stream_id = ?1 AND (?2 < 0 OR stream_version <= ?2) ORDER BY stream_version DESC LIMIT ?3");
        reader.Bind(1, streamId).Bind(2, fromVersion).Bind(3, maxCount);
        while (reader.Next() is { } e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }
    }

    public async IAsyncEnumerable<RecordedEvent> ReadAllAsync(long fromPosition, int maxCount, string? category = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        if (_scanMapPragma is not null)
        {
            // $all is read in long sequential scans (replay, verify, projections catching up): mapping the file lets
            // SQLite read pages in place instead of copying each through a read() call (a pooled connection keeps it).
            SQLitePCL.raw.sqlite3_exec(connection.Handle!, _scanMapPragma);
        }
        using var reader = new SqliteEventReader(connection, category is null
            ? $"SELECT {SqliteSchema.EventColumns} FROM events WHERE global_position >= ?1 ORDER BY global_position LIMIT ?2"
            : $"SELECT {SqliteSchema.EventColumns} FROM events WHERE category = ?3 AND global_position >= ?1 ORDER BY global_position LIMIT ?2");
        reader.Bind(1, fromPosition).Bind(2, maxCount);
        if (category is not null)
        {
            reader.Bind(3, category);
        }

        while (reader.Next() is { } e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }
    }

    public async Task<EventPage> ReadAllPageAsync(long fromPosition, int maxCount, string? category, EventTypeFilter types,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        ArgumentNullException.ThrowIfNull(types);
        await using var connection = await OpenReaderAsync(cancellationToken);
        // The head first: one writer commits positions in order, so every event at or below it is visible to the page read.
        long head;
        using (var headReader = new SqliteEventReader(connection, HeadSql))
        {
            head = headReader.Scalar();
        }

        using var reader = new SqliteEventReader(connection, PageSql(category is not null, types));
        reader.Bind(1, fromPosition).Bind(2, head).Bind(3, maxCount);
        var parameter = 4;
        if (category is not null)
        {
            reader.Bind(parameter++, category);
        }

        foreach (var type in types.Types)
        {
            reader.Bind(parameter++, type);
        }

        var events = new List<RecordedEvent>(Math.Min(maxCount, 256));
        while (reader.Next() is { } e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            events.Add(e);
        }

        var covered = events.Count == maxCount ? events[^1].GlobalPosition : Math.Max(head, fromPosition - 1);
        return new EventPage(events, covered, head);
    }

    public async Task<long> GetStreamVersionAsync(string streamId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(stream_version), -1) FROM events WHERE stream_id = $s";
        command.Parameters.AddWithValue("$s", streamId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> GetHeadPositionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        using var reader = new SqliteEventReader(connection, HeadSql);
        return reader.Scalar();
    }

    public async Task WaitForEventsAsync(long afterPosition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // Take the signal before looking at the head, so a commit between the two still wakes us. This process's own
        // commits answer without a query (a busy relay or projector asks after every page); another writer's need the query.
        var committed = _signal.Next;
        if (Volatile.Read(ref _committedHead) > afterPosition || await GetHeadPositionAsync(cancellationToken) > afterPosition)
        {
            return;
        }

        await CommitSignal.WaitAsync(committed, timeout, cancellationToken);
    }

    public Task<VerifyResult> VerifyAsync(string? streamId = null, CancellationToken cancellationToken = default) =>
        ChainVerifier.VerifyAsync(this, streamId, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        await _stopping.CancelAsync();
        _checkpointer?.Join();
        await _writer.DisposeAsync();
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
    }

    private const string HeadSql = "SELECT COALESCE(MAX(global_position), 0) FROM events";

    private static string PageSql(bool byCategory, EventTypeFilter types)
    {
        var sql = new System.Text.StringBuilder($"SELECT {SqliteSchema.EventColumns} FROM events WHERE ");
        sql.Append(byCategory ? "category = ?4 AND " : "").Append("global_position >= ?1 AND global_position <= ?2");
        if (types.Include || types.Types.Count > 0)
        {
            var first = byCategory ? 5 : 4;
            sql.Append(types.Include ? " AND type IN (" : " AND type NOT IN (")
                .AppendJoin(", ", Enumerable.Range(first, types.Types.Count).Select(i => $"?{i}")).Append(')');
        }

        return sql.Append(" ORDER BY global_position LIMIT ?3").ToString();
    }

    internal async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>Runs a small write (snapshot, checkpoint) on the writer loop so there is one writer, always.</summary>
    internal Task ExecuteWriteAsync(Action<SqliteConnection> write)
    {
        var pending = new PendingAppend(write);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(SqliteEventStore));
        }

        return pending.Done.Task;
    }

    /// <summary>A thread of its own: a checkpoint syncs the file, which must not hold a thread-pool thread.</summary>
    private void RunCheckpointer(TimeSpan interval)
    {
        using var connection = new SqliteConnection(_connectionString);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        while (!_stopping.Token.WaitHandle.WaitOne(interval))
        {
            try
            {
                if (connection.State != System.Data.ConnectionState.Open)
                {
                    connection.Open();
                }

                command.ExecuteNonQuery();
                RecordCheckpoint(null);
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED)
            {
                // Another checkpoint (the writer's safety net, or an operator's) holds the lock: the next tick runs it.
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException or IOException)
            {
                RecordCheckpoint(e);
            }
        }
    }

    /// <summary>The outcome of a background checkpoint: a failure, or null when one succeeded.</summary>
    internal void RecordCheckpoint(Exception? failure) => Volatile.Write(ref _checkpointFailure, failure);

    private async Task RunWriterAsync()
    {
        var batch = new List<PendingAppend>(MaxAppendsPerCommit);
        using var writer = new SqliteAppendWriter(_writer);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxAppendsPerCommit && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            var results = new Outcome[batch.Count];
            try
            {
                writer.Commit(batch, results, _time.GetUtcNow());
            }
            catch (Exception ex)
            {
                // The commit itself failed: nothing of this batch is durable, so every caller learns it
                // and the writer loop lives on for the next batch.
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(new EventStoreUnavailableException("The SQLite commit failed; nothing was written.", ex));
                }

                continue;
            }

            // The head first, so a caller whose append completes already sees it.
            var head = Volatile.Read(ref _committedHead);
            foreach (var outcome in results)
            {
                head = outcome.Error is null ? Math.Max(head, outcome.Result.LastGlobalPosition) : head;
            }

            Volatile.Write(ref _committedHead, head);
            for (var i = 0; i < batch.Count; i++)
            {
                if (results[i].Error is { } error)
                {
                    batch[i].Done.TrySetException(error);
                }
                else
                {
                    batch[i].Done.TrySetResult(results[i].Result);
                }
            }

            _signal.Pulse();
        }
    }

    internal readonly record struct Outcome(AppendResult Result, Exception? Error);

    internal sealed class PendingAppend
    {
        public PendingAppend(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events)
        {
            StreamId = streamId;
            Expected = expected;
            Events = events;
        }

        public PendingAppend(Action<SqliteConnection> write)
        {
            StreamId = string.Empty;
            Events = [];
            Write = write;
        }

        public string StreamId { get; }

        public ExpectedVersion Expected { get; }

        public IReadOnlyList<EventData> Events { get; }

        public Action<SqliteConnection>? Write { get; }

        public TaskCompletionSource<AppendResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
