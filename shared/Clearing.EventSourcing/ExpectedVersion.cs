namespace Clearing.EventSourcing;

/// <summary>
/// What the writer believes the stream's version is. Stream versions start at 0 for the first event,
/// so an empty stream has version -1. Every write states one of these; there is no unchecked append.
/// </summary>
public readonly record struct ExpectedVersion
{
    private const long AnyValue = -2;
    private const long NoStreamValue = -1;

    private ExpectedVersion(long value) => Value = value;

    /// <summary>-2 for any, -1 for no stream, otherwise the exact version of the last event.</summary>
    public long Value { get; }

    /// <summary>Append whatever the stream holds. For idempotent writers only (e.g. evidence logs).</summary>
    public static ExpectedVersion Any { get; } = new(AnyValue);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(NoStreamValue);

    /// <summary>The stream's last event must have exactly this version.</summary>
    public static ExpectedVersion Exactly(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new ExpectedVersion(version);
    }

    /// <summary>The version a stream at <paramref name="currentVersion"/> would match, for "I have read up to here".</summary>
    public static ExpectedVersion From(long currentVersion) =>
        currentVersion < 0 ? NoStream : Exactly(currentVersion);

    public bool IsAny => Value == AnyValue;

    public bool Accepts(long actualVersion) => IsAny || actualVersion == Value;

    public override string ToString() => Value switch
    {
        AnyValue => "any",
        NoStreamValue => "no-stream",
        _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
