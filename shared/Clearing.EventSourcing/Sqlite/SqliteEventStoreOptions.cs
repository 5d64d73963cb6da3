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
}

public enum SqliteSynchronous
{
    Normal,
    Full,
}
