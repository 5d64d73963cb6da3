using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Clearing.Dapr.State;

/// <summary>A typed view of a stored value.</summary>
public sealed record StateEntry<T>(string Key, T Value, string ETag);

/// <summary>
/// Typed access over <see cref="IStateStore"/> through source-generated <see cref="JsonTypeInfo{T}"/>, so callers
/// never depend on reflection-based serialisation.
/// </summary>
public static class StateStoreJsonExtensions
{
    public static async ValueTask<StateEntry<T>?> GetAsync<T>(this IStateStore store, string key, JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken = default)
    {
        var entry = await store.GetAsync(key, cancellationToken);
        return entry is null ? null : new StateEntry<T>(entry.Key, Deserialize(store, entry, typeInfo), entry.ETag);
    }

    public static async ValueTask<IReadOnlyDictionary<string, StateEntry<T>>> GetBulkAsync<T>(this IStateStore store,
        IReadOnlyCollection<string> keys, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        var entries = await store.GetBulkAsync(keys, cancellationToken);
        var typed = new Dictionary<string, StateEntry<T>>(entries.Count, StringComparer.Ordinal);
        foreach (var (key, entry) in entries)
        {
            typed[key] = new StateEntry<T>(key, Deserialize(store, entry, typeInfo), entry.ETag);
        }

        return typed;
    }

    public static ValueTask SaveAsync<T>(this IStateStore store, string key, T value, JsonTypeInfo<T> typeInfo,
        WriteCondition condition, CancellationToken cancellationToken = default) =>
        store.SaveAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), condition, cancellationToken);

    /// <summary>
    /// Records an idempotency key: true when this call stored it first, false when it was already there
    /// (the caller has seen this request before and must not apply it again).
    /// </summary>
    public static async ValueTask<bool> TryAddAsync(this IStateStore store, string key, ReadOnlyMemory<byte> utf8Json,
        CancellationToken cancellationToken = default)
    {
        try
        {
            await store.SaveAsync(key, utf8Json, WriteCondition.IfAbsent, cancellationToken);
            return true;
        }
        catch (StateConcurrencyException ex) when (ex.Keys.Contains(key))
        {
            return false;
        }
    }

    /// <summary>
    /// Read-modify-write under optimistic concurrency: reads the value, applies <paramref name="update"/>
    /// (null input when the key is absent) and writes it back guarded by the ETag, retrying on conflicts.
    /// </summary>
    public static async ValueTask<T> UpdateAsync<T>(this IStateStore store, string key, JsonTypeInfo<T> typeInfo,
        Func<T?, T> update, int maxAttempts = 10, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetAsync(key, typeInfo, cancellationToken);
            var next = update(current is null ? default : current.Value);
            var condition = current is null ? WriteCondition.IfAbsent : WriteCondition.IfMatch(current.ETag);
            try
            {
                await store.SaveAsync(key, next, typeInfo, condition, cancellationToken);
                return next;
            }
            catch (StateConcurrencyException) when (attempt < maxAttempts)
            {
                // Another writer got in between the read and the write: read its value and apply the update again.
            }
        }
    }

    private static T Deserialize<T>(IStateStore store, StateEntry entry, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(entry.Value.Span, typeInfo)
                ?? throw new JsonException("the stored document is JSON null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException(
                $"State store '{store.Name}': the value of key '{entry.Key}' cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
