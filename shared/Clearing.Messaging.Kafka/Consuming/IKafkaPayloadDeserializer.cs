using Google.Protobuf;

namespace Clearing.Messaging.Kafka.Consuming;

/// <summary>Turns a record value into a message. Throwing sends the record to the dead-letter topic.</summary>
public interface IKafkaPayloadDeserializer<out TMessage>
{
    TMessage Deserialize(ReadOnlySpan<byte> payload, KafkaMessageMetadata metadata);
}

/// <summary>Public contracts are protobuf (DESIGN.md §4).</summary>
public sealed class ProtobufPayloadDeserializer<TMessage> : IKafkaPayloadDeserializer<TMessage>
    where TMessage : IMessage<TMessage>, new()
{
    private static readonly MessageParser<TMessage> Parser = new(() => new TMessage());

    public TMessage Deserialize(ReadOnlySpan<byte> payload, KafkaMessageMetadata metadata) => Parser.ParseFrom(payload);
}

/// <summary>A deserializer from a delegate, for formats other than protobuf.</summary>
public sealed class DelegatePayloadDeserializer<TMessage>(Func<byte[], KafkaMessageMetadata, TMessage> deserialize) : IKafkaPayloadDeserializer<TMessage>
{
    public TMessage Deserialize(ReadOnlySpan<byte> payload, KafkaMessageMetadata metadata) => deserialize(payload.ToArray(), metadata);
}

/// <summary>Hands the raw bytes through unchanged.</summary>
public sealed class RawPayloadDeserializer : IKafkaPayloadDeserializer<byte[]>
{
    public byte[] Deserialize(ReadOnlySpan<byte> payload, KafkaMessageMetadata metadata) => payload.ToArray();
}
