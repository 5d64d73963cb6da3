namespace Clearing.EventSourcing.Sqlite;

public sealed record SqliteEventStoreOptions(string DatabasePath)
{
    /// <summary>
    /// NORMAL in WAL mode survives a process crash (the case that matters for a service) and may lose the
    /// last commits on power loss; FULL syncs each commit. Kafka consumers re-deliver anything not stored.
    /// </summary>
    public SqliteSynchronous Synchronous { get; init; } = SqliteSynchronous.Normal;

    /// <summary>
    /// How much of the file a $all read maps into memory (SQLite's mmap_size; 0: none, every page is copied through a
    /// read call). Measured on a 1M-event margin store: a full scan took about a quarter less CPU mapped. SQLite caps
    /// it at its compile-time limit (2 GiB by default).
    /// </summary>
    public long ScanMapBytes { get; init; } = 2_147_418_112;

    /// <summary>
    /// How often a background connection moves the write-ahead log into the database file (a PASSIVE checkpoint, which
    /// never blocks the writer). SQLite's own automatic checkpoint runs inside the commit that crosses 1,000 WAL pages and
    /// syncs there, so every append queued behind that commit waits: measured in the order gateway at ~270 orders/s, one
    /// commit every 1-2 s took 20-390 ms against 0.03 ms for a plain one, and that was the tail of the gateway's reply
    /// time. With this set, the commit path checkpoints only past <see cref="SafetyCheckpointPages"/> (the log stays
    /// bounded if the background checkpoints cannot keep up). Zero: SQLite's automatic checkpoint, in the commit.
    /// </summary>
    public TimeSpan BackgroundCheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>WAL pages (4 KiB each) after which a commit checkpoints itself when background checkpoints are on: 64 MiB.</summary>
    public const int SafetyCheckpointPages = 16_384;
}

public enum SqliteSynchronous
{
    Normal,
    Full,
}
