namespace Clearing.EventSourcing.Sqlite;

public sealed record SqliteEventStoreOptions(string DatabasePath)
{
    /// <summary>
    /// NORMAL in WAL mode survives a process crash (the case that matters for a service) and may lose the
    /// last commits on power loss; FULL syncs each commit. Kafka consumers re-deliver anything not stored.
    /// </summary>
    public SqliteSynchronous Synchronous { get; init; } = SqliteSynchronous.Normal;
}

public enum SqliteSynchronous
{
    Normal,
    Full,
}
