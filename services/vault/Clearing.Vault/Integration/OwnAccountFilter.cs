using System.Text;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Google.Protobuf;

namespace Clearing.Vault.Integration;

/// <summary>
/// The vault's account id as UTF-8 bytes, for skipping messages that cannot concern it before they are parsed. A
/// protobuf string field holds its UTF-8 bytes verbatim, so a fill, cancel, rejection or ledger entry naming the
/// vault's account contains them; one that does not is none of the vault's business (every matching and margin-ledger
/// handler here ignores a message without the vault's account on it). A false match (an id that merely contains the
/// vault's) costs a parse and nothing else: the handlers compare ids exactly.
/// </summary>
/// <remarks>
/// Bound once the vault's rules are resolved, which is before any consumer starts (the consumers' handlers are built
/// from the same container); unbound, or bound to an empty id, it lets everything through to the parser.
/// </remarks>
public sealed class OwnAccountFilter
{
    private byte[] _needle = [];

    public void Bind(string accountId) => _needle = string.IsNullOrEmpty(accountId) ? [] : Encoding.UTF8.GetBytes(accountId);

    /// <summary>True when the payload may concern the vault (and must be parsed).</summary>
    public bool MayConcern(ReadOnlySpan<byte> payload)
    {
        var needle = _needle;
        return needle.Length == 0 || payload.IndexOf(needle) >= 0;
    }
}

/// <summary>
/// Parses a payload only when <see cref="OwnAccountFilter.MayConcern"/> says so; otherwise hands over
/// <paramref name="skipped"/>, an empty message every handler of the vault ignores. At order rate almost nothing on the
/// matching and ledger topics names the vault, and parsing each of them was most of what its consumers cost.
/// </summary>
/// <remarks>A skipped payload is never parsed, so a malformed one that does not name the vault is not dead-lettered here.</remarks>
public sealed class OwnAccountPayloadDeserializer<TMessage>(OwnAccountFilter filter, TMessage skipped) : IKafkaPayloadDeserializer<TMessage>
    where TMessage : IMessage<TMessage>, new()
{
    private static readonly MessageParser<TMessage> Parser = new(() => new TMessage());

    public TMessage Deserialize(ReadOnlySpan<byte> payload, KafkaMessageMetadata metadata) =>
        filter.MayConcern(payload) ? Parser.ParseFrom(payload) : skipped;
}
