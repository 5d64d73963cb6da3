namespace Clearing.Cli.Commands.Replay;

internal enum ReplayMode
{
    /// <summary>Rebuild the service's projections from the store and diff them against the live read models.</summary>
    Rebuild,
    /// <summary>One stream's state (or events) as of a version or a time.</summary>
    TimeTravel,
    /// <summary>Re-publish a range of a stream or of $all to a topic.</summary>
    Republish,
}

internal sealed record ReplayOptions
{
    public required string Service { get; init; }
    public ReplayMode Mode { get; init; } = ReplayMode.Rebuild;
    public string? Stream { get; init; }
    public long? AtVersion { get; init; }
    public DateTimeOffset? AtTime { get; init; }
    public long FromPosition { get; init; } = 1;
    public long? ToPosition { get; init; }
    public string? Topic { get; init; }
    public string? BootstrapServers { get; init; }
    /// <summary>The bootstrap came from a local embedded broker's file (the mock cluster needs its client quirks).</summary>
    public bool EmbeddedBroker { get; init; }
    /// <summary>Publish stored events as they are (JSON data, stored type) instead of through the service's translator.</summary>
    public bool Raw { get; init; }
    public bool DryRun { get; init; }
    /// <summary>Directory for the rebuilt read models (a fresh store), when wanted.</summary>
    public DirectoryInfo? Output { get; init; }
    /// <summary>A fresh SQLite file to write the rebuilt read models into; the diff then reads them back from it.</summary>
    public FileInfo? OutputStore { get; init; }
    /// <summary>Replace <see cref="OutputStore"/> when it exists (otherwise an existing file is refused).</summary>
    public bool Force { get; init; }
    /// <summary>At most this many differing rows are listed per projection (all are counted).</summary>
    public int MaxListedDifferences { get; init; } = 100;
    public DirectoryInfo? ServiceDataDirectory { get; init; }
    public bool Json { get; init; }
}
