using System.Text.Json;

namespace Clearing.Dapr.State;

/// <summary>
/// Argument rules shared by every adapter so that they reject the same input with the same message.
/// </summary>
internal static class StateArguments
{
    // Dapr prefixes stored keys with "<app-id>||", and refuses keys containing the separator.
    private const string DaprKeySeparator = "||";
    private const int MaxKeyLength = 512;

    public static void ValidateKey(string key, string parameterName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, parameterName);
        if (key.Length == 0)
        {
            throw new ArgumentException("A state key must not be empty.", parameterName);
        }

        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException(
                $"State key '{key[..32]}…' is {key.Length} characters long; the limit is {MaxKeyLength}.", parameterName);
        }

        if (key.Contains(DaprKeySeparator, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"State key '{key}' contains '{DaprKeySeparator}', which Dapr reserves as its key-prefix separator.", parameterName);
        }
    }

    public static void ValidateJson(string key, ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
        {
            throw new ArgumentException($"The value for state key '{key}' is empty; values are JSON documents.", nameof(utf8Json));
        }

        try
        {
            var reader = new Utf8JsonReader(utf8Json.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            while (reader.Read())
            {
                // Reading to the end proves the document is complete and well formed.
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The value for state key '{key}' is not valid UTF-8 JSON: {ex.Message}", nameof(utf8Json), ex);
        }
    }

    public static void ValidateKeys(IReadOnlyCollection<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            ValidateKey(key, nameof(keys));
        }
    }

    public static void ValidateOperations(IReadOnlyList<StateOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            throw new ArgumentException("A state transaction needs at least one operation.", nameof(operations));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            ArgumentNullException.ThrowIfNull(operation, nameof(operations));
            ValidateKey(operation.Key, nameof(operations));
            if (!seen.Add(operation.Key))
            {
                throw new ArgumentException(
                    $"State key '{operation.Key}' appears twice in one transaction; stores disagree on what that means, so it is refused.",
                    nameof(operations));
            }

            if (operation is UpsertOperation upsert)
            {
                ValidateJson(upsert.Key, upsert.Value);
            }
        }
    }
}
