using System.Text;
using Confluent.Kafka;

namespace Clearing.Messaging.Kafka.Consuming;

/// <summary>
/// Which CloudEvents types a consumer acts on, decided from the <c>ce_type</c> header's bytes before anything else of
/// the message is read. A topic such as clearing.matching.events.v1 carries several events per order and most
/// consumers act on one or two types: the rest are committed as handled without reading their envelope or payload.
/// </summary>
/// <remarks>
/// A message without a type header is never skipped: it takes the normal path, where the envelope check dead-letters it.
/// A skipped message is never parsed, so a malformed message of a skipped type is not dead-lettered by this consumer.
/// </remarks>
public sealed class KafkaTypeFilter
{
    private readonly byte[][] _types;
    private readonly bool _only;

    private KafkaTypeFilter(IEnumerable<string> types, bool only)
    {
        ArgumentNullException.ThrowIfNull(types);
        var names = types.ToArray();
        if (names.Length == 0 || names.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("A type filter needs at least one type and no empty type names.", nameof(types));
        }

        Types = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        _types = Types.Select(Encoding.UTF8.GetBytes).ToArray();
        _only = only;
    }

    /// <summary>Only messages of these types reach the handler.</summary>
    public static KafkaTypeFilter Only(params IEnumerable<string> types) => new(types, only: true);

    /// <summary>Every message but those of these types reaches the handler (an unknown type included).</summary>
    public static KafkaTypeFilter Except(params IEnumerable<string> types) => new(types, only: false);

    /// <summary>The types named, in ordinal order.</summary>
    public IReadOnlyList<string> Types { get; }

    /// <summary>True when <see cref="Only"/> was used, false for <see cref="Except"/>.</summary>
    public bool IsOnly => _only;

    /// <summary>Whether the consumer skips a message with these headers.</summary>
    public bool Skips(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(KafkaHeaderNames.Type, out var type) && type is not null && Skips(type);

    /// <summary>Whether the consumer skips a message whose type header holds these bytes.</summary>
    public bool Skips(ReadOnlySpan<byte> type)
    {
        var named = false;
        foreach (var candidate in _types)
        {
            if (type.SequenceEqual(candidate))
            {
                named = true;
                break;
            }
        }

        return named != _only;
    }

    public override string ToString() => $"{(_only ? "only" : "all but")} {string.Join(", ", Types)}";
}
