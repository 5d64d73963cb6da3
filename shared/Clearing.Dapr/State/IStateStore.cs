namespace Clearing.Dapr.State;

/// <summary>
/// Key/value state for read models and idempotency keys, guarded by ETags.
/// Values are UTF-8 JSON documents: Dapr state stores such as PostgreSQL keep JSON in a jsonb column, so only
/// JSON round-trips through every backend (whitespace and key order may be normalised by the store).
/// A write or delete whose condition does not hold throws <see cref="StateConcurrencyException"/> and changes nothing.
/// </summary>
public interface IStateStore
{
    /// <summary>The component name (Dapr) or the embedded store name; it appears in errors and health reports.</summary>
    string Name { get; }

    /// <summary>The current value and ETag of <paramref name="key"/>, or null when the key does not exist.</summary>
    ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads many keys in one call. Keys that do not exist are absent from the result.</summary>
    ValueTask<IReadOnlyDictionary<string, StateEntry>> GetBulkAsync(
        IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="utf8Json"/> under <paramref name="key"/> if <paramref name="condition"/> holds.
    /// The new ETag is not returned because the Dapr state API does not return it; read the key again to get it.
    /// </summary>
    ValueTask SaveAsync(string key, ReadOnlyMemory<byte> utf8Json, WriteCondition condition,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes <paramref name="key"/>. Without an ETag a missing key is not an error; with an ETag the key must
    /// exist with exactly that ETag.
    /// </summary>
    ValueTask DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies every operation or none. Each key may appear once. When a condition fails, the
    /// <see cref="StateConcurrencyException"/> names the conditional keys that may have caused it.
    /// </summary>
    ValueTask ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations,
        CancellationToken cancellationToken = default);
}

/// <summary>One stored value with the ETag that a conditional write or delete must present.</summary>
public sealed record StateEntry(string Key, ReadOnlyMemory<byte> Value, string ETag);

/// <summary>The concurrency rule of a write.</summary>
public enum WriteConditionKind
{
    /// <summary>Last write wins: the value is stored whatever is there.</summary>
    Unconditional,

    /// <summary>First write wins: the key must not exist yet (idempotency keys, claims).</summary>
    IfAbsent,

    /// <summary>Optimistic concurrency: the key must exist with the given ETag.</summary>
    IfMatch,
}

/// <summary>The condition under which a write is applied.</summary>
public readonly record struct WriteCondition
{
    private WriteCondition(WriteConditionKind kind, string? etag)
    {
        Kind = kind;
        ETag = etag;
    }

    public WriteConditionKind Kind { get; }

    /// <summary>The expected ETag when <see cref="Kind"/> is <see cref="WriteConditionKind.IfMatch"/>.</summary>
    public string? ETag { get; }

    public static WriteCondition Unconditional { get; } = new(WriteConditionKind.Unconditional, null);

    public static WriteCondition IfAbsent { get; } = new(WriteConditionKind.IfAbsent, null);

    public static WriteCondition IfMatch(string etag)
    {
        if (string.IsNullOrEmpty(etag))
        {
            throw new ArgumentException("An ETag condition needs the ETag read with the value; it was empty.", nameof(etag));
        }

        return new(WriteConditionKind.IfMatch, etag);
    }

    public override string ToString() => Kind == WriteConditionKind.IfMatch ? $"IfMatch({ETag})" : Kind.ToString();
}

/// <summary>One operation of <see cref="IStateStore.ExecuteTransactionAsync"/>.</summary>
public abstract record StateOperation(string Key)
{
    public static StateOperation Upsert(string key, ReadOnlyMemory<byte> utf8Json, WriteCondition condition) =>
        new UpsertOperation(key, utf8Json, condition);

    public static StateOperation Delete(string key, string? etag = null) => new DeleteOperation(key, etag);

    /// <summary>True when the operation carries a condition that can fail with a concurrency error.</summary>
    public abstract bool IsConditional { get; }
}

public sealed record UpsertOperation(string Key, ReadOnlyMemory<byte> Value, WriteCondition Condition) : StateOperation(Key)
{
    public override bool IsConditional => Condition.Kind != WriteConditionKind.Unconditional;
}

public sealed record DeleteOperation(string Key, string? ETag) : StateOperation(Key)
{
    public override bool IsConditional => !string.IsNullOrEmpty(ETag);
}
