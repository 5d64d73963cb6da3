namespace Clearing.EventSourcing.Postgres;

public sealed record PostgresEventStoreOptions(string ConnectionString)
{
    /// <summary>Each service keeps its streams in its own schema, so one database can host several services.</summary>
    public string Schema { get; init; } = "clearing";

    /// <summary>Cross-process writers are noticed by polling at this interval; same-process ones wake at once.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
