namespace Clearing.EventSourcing;

/// <summary>Stream ids are "{category}-{id}" (DESIGN.md §3): "book-BTC-PERP" is in category "book".</summary>
public static class StreamName
{
    public const string All = "$all";

    public static string CategoryOf(string streamId)
    {
        var dash = streamId.IndexOf('-', StringComparison.Ordinal);
        return dash <= 0 ? streamId : streamId[..dash];
    }

    public static string For(string category, string id) => $"{category}-{id}";

    /// <summary>Refuses ids that would be ambiguous or unreadable in logs and SQL.</summary>
    public static void Validate(string streamId)
    {
        if (string.IsNullOrWhiteSpace(streamId))
        {
            throw new ArgumentException("Stream id must not be empty.", nameof(streamId));
        }

        if (streamId.StartsWith('$'))
        {
            throw new ArgumentException($"Stream id '{streamId}' is reserved: ids starting with '$' are system streams.", nameof(streamId));
        }

        if (streamId.Length > 200)
        {
            throw new ArgumentException($"Stream id '{streamId[..40]}…' is longer than 200 characters.", nameof(streamId));
        }
    }
}
