namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>How one outbox relay reads its store and publishes.</summary>
public sealed record OutboxRelayOptions
{
    /// <summary>The relay's name; its checkpoint is <c>outbox-{Name}</c> in the store's checkpoint table.</summary>
    public required string Name { get; init; }

    /// <summary>Only streams of this category; null publishes from every stream in $all (the usual case: a service's store holds only its own streams).</summary>
    public string? Category { get; init; }

    /// <summary>Events read, produced and acknowledged together. A crash repeats at most one page.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>How long a caught-up relay sleeps when no commit wakes it (writers in other processes).</summary>
    public TimeSpan IdleWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>First pause after a failed page; doubles per consecutive failure up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the relay compares its topics' high watermarks with what it had acknowledged (and logs its lag).</summary>
    public TimeSpan WipeCheckInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A page still waiting for delivery reports after this long is logged as a warning, and again each time it passes.</summary>
    public TimeSpan SlowDeliveryWarning { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// message.timeout.ms of the relay's own producer; null waits for ever. Waiting for ever is the default because a
    /// producer that times messages out may deliver a later message of a partition after dropping an earlier one, and a
    /// consumer that applied the later one would then skip the earlier one as a repeat when the relay republishes it.
    /// </summary>
    public TimeSpan? DeliveryTimeout { get; init; }

    /// <summary>
    /// dotnet.producer.delivery.report.fields of the relay's own producer; null keeps the client's default ("all"). The
    /// relay reads only each report's status, error and offset, so the default "status" spares the client copying every
    /// message's key, value and headers back into managed memory per delivery (~1.5 KB per order at the gateway).
    /// </summary>
    public string? DeliveryReportFields { get; init; } = "status";

    public string CheckpointName => $"outbox-{Name}";

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 100 || Name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"OutboxRelayOptions.Name '{Name}' must be 1 to 100 characters without spaces.", nameof(Name));
        }

        if (PageSize is < 1 or > 50_000)
        {
            throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, "OutboxRelayOptions.PageSize must be between 1 and 50000.");
        }

        RequirePositive(IdleWait, nameof(IdleWait));
        RequirePositive(RetryBaseDelay, nameof(RetryBaseDelay));
        RequirePositive(RetryMaxDelay, nameof(RetryMaxDelay));
        RequirePositive(WipeCheckInterval, nameof(WipeCheckInterval));
        RequirePositive(SlowDeliveryWarning, nameof(SlowDeliveryWarning));
        if (RetryMaxDelay < RetryBaseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryMaxDelay), RetryMaxDelay, "OutboxRelayOptions.RetryMaxDelay must not be below RetryBaseDelay.");
        }

        if (DeliveryTimeout is { } timeout && timeout < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(DeliveryTimeout), timeout, "OutboxRelayOptions.DeliveryTimeout must be at least 1 s (or null to wait for ever).");
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"OutboxRelayOptions.{name} must be positive.");
        }
    }
}
