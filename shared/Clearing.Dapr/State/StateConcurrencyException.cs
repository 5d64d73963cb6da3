namespace Clearing.Dapr.State;

/// <summary>
/// A write or delete whose ETag / first-write condition did not hold. Nothing was changed.
/// <see cref="Keys"/> holds the key that failed; for a Dapr transaction the sidecar does not say which operation
/// failed, so it holds every conditional key of the transaction.
/// </summary>
public sealed class StateConcurrencyException : Exception
{
    public StateConcurrencyException(string storeName, IReadOnlyList<string> keys, string reason, Exception? innerException = null)
        : base(BuildMessage(storeName, keys, reason), innerException)
    {
        StoreName = storeName;
        Keys = keys;
        Reason = reason;
    }

    public string StoreName { get; }

    public IReadOnlyList<string> Keys { get; }

    /// <summary>The first (for single-key operations: the only) key involved.</summary>
    public string Key => Keys.Count > 0 ? Keys[0] : string.Empty;

    public string Reason { get; }

    private static string BuildMessage(string storeName, IReadOnlyList<string> keys, string reason) =>
        keys.Count == 1
            ? $"State store '{storeName}': concurrency conflict on key '{keys[0]}': {reason}."
            : $"State store '{storeName}': concurrency conflict on one of the keys '{string.Join("', '", keys)}': {reason}.";
}
