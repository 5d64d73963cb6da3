using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace Clearing.Messaging.Kafka;

/// <summary>Writes and reads the CloudEvents binary-mode headers plus the inbox coordinates.</summary>
public static class CloudEventsEnvelope
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static Message<byte[]?, byte[]?> ToKafkaMessage(OutboundMessage message, string source, DateTimeOffset now)
    {
        message.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var headers = new Headers
        {
            { KafkaHeaderNames.SpecVersion, Utf8(KafkaHeaderNames.CloudEventsSpecVersion) },
            { KafkaHeaderNames.Id, Utf8(message.EffectiveId) },
            { KafkaHeaderNames.Source, Utf8(source) },
            { KafkaHeaderNames.Type, Utf8(message.Type) },
            { KafkaHeaderNames.Time, Utf8((message.Time ?? now).UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)) },
            { KafkaHeaderNames.Subject, Utf8(message.Key) },
            { KafkaHeaderNames.ContentType, Utf8(message.ContentType) },
            { KafkaHeaderNames.SourceStream, Utf8(message.SourceStream) },
            { KafkaHeaderNames.SourceSequence, Utf8(message.SourceSequence.ToString(CultureInfo.InvariantCulture)) },
        };
        if (message.CorrelationId is not null)
        {
            headers.Add(KafkaHeaderNames.CorrelationId, Utf8(message.CorrelationId));
        }

        if (message.CausationId is not null)
        {
            headers.Add(KafkaHeaderNames.CausationId, Utf8(message.CausationId));
        }

        return new Message<byte[]?, byte[]?> { Key = Utf8(message.Key), Value = message.Payload, Headers = headers };
    }

    /// <summary>Reads the envelope; a missing or unreadable attribute is a <see cref="MalformedKafkaMessageException"/>.</summary>
    public static KafkaMessageMetadata Read(ConsumeResult<byte[]?, byte[]?> record)
    {
        var headers = record.Message.Headers ?? [];
        var key = record.Message.Key is { Length: > 0 } keyBytes
            ? DecodeUtf8(keyBytes, "key")
            : throw new MalformedKafkaMessageException("message has no key (the key must be the aggregate id)");

        // Every consumer reads every message's envelope: the common forms (ours) are read from the header bytes without
        // making strings; anything else takes the general text path, which also words the errors.
        if (!headers.TryGetLastBytes(KafkaHeaderNames.SpecVersion, out var specBytes) || !specBytes.AsSpan().SequenceEqual(SpecVersionUtf8))
        {
            var specVersion = Required(headers, KafkaHeaderNames.SpecVersion);
            throw new MalformedKafkaMessageException($"header {KafkaHeaderNames.SpecVersion} is '{specVersion}', expected '{KafkaHeaderNames.CloudEventsSpecVersion}'");
        }

        if (!TryReadOwnTime(headers, out var time))
        {
            var timeText = Required(headers, KafkaHeaderNames.Time);
            if (!DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time))
            {
                throw new MalformedKafkaMessageException($"header {KafkaHeaderNames.Time} '{timeText}' is not an RFC 3339 time");
            }
        }

        if (!headers.TryGetLastBytes(KafkaHeaderNames.SourceSequence, out var sequenceBytes) || sequenceBytes is not { Length: > 0 }
            || !Utf8Parser.TryParse(sequenceBytes, out long sequence, out var used) || used != sequenceBytes.Length || sequence < 0 || sequenceBytes[0] is (byte)'+' or (byte)'-')
        {
            var sequenceText = Required(headers, KafkaHeaderNames.SourceSequence);
            throw new MalformedKafkaMessageException($"header {KafkaHeaderNames.SourceSequence} '{sequenceText}' is not a non-negative integer");
        }

        return new KafkaMessageMetadata
        {
            Topic = record.Topic,
            Partition = record.Partition.Value,
            Offset = record.Offset.Value,
            Key = key,
            Id = Required(headers, KafkaHeaderNames.Id),
            Type = Required(headers, KafkaHeaderNames.Type),
            Source = Required(headers, KafkaHeaderNames.Source),
            Subject = Optional(headers, KafkaHeaderNames.Subject) ?? key,
            Time = time,
            SourceStream = Required(headers, KafkaHeaderNames.SourceStream),
            SourceSequence = sequence,
            ContentType = Optional(headers, KafkaHeaderNames.ContentType),
            CorrelationId = Optional(headers, KafkaHeaderNames.CorrelationId),
            CausationId = Optional(headers, KafkaHeaderNames.CausationId),
        };
    }

    /// <summary>The last value of a header as UTF-8 text, or null when absent.</summary>
    public static string? Optional(Headers headers, string name)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return headers.TryGetLastBytes(name, out var bytes) && bytes is not null ? DecodeUtf8(bytes, name) : null;
    }

    internal static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);

    private static string Required(Headers headers, string name)
    {
        var value = Optional(headers, name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new MalformedKafkaMessageException($"header {name} is missing")
            : value;
    }

    private static ReadOnlySpan<byte> SpecVersionUtf8 => "1.0"u8;

    /// <summary>The time as <see cref="ToKafkaMessage"/> writes it (UTC, seven fraction digits, 'Z'), read from the bytes.</summary>
    private static bool TryReadOwnTime(Headers headers, out DateTimeOffset time)
    {
        time = default;
        return headers.TryGetLastBytes(KafkaHeaderNames.Time, out var bytes) && bytes is { Length: 28 } && bytes[27] == (byte)'Z'
            && Utf8Parser.TryParse(bytes, out time, out var used, 'O') && used == bytes.Length;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string DecodeUtf8(byte[] bytes, string what)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new MalformedKafkaMessageException($"{what} is not valid UTF-8", e);
        }
    }
}

/// <summary>A message whose envelope or payload cannot be read. It goes to the dead-letter topic without retries.</summary>
public sealed class MalformedKafkaMessageException : Exception
{
    public MalformedKafkaMessageException(string message)
        : base(message)
    {
    }

    public MalformedKafkaMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MalformedKafkaMessageException()
    {
    }
}

/// <summary>Thrown by a handler for a message that will never succeed: it is dead-lettered without retries.</summary>
public sealed class NonRetryableMessageException : Exception
{
    public NonRetryableMessageException(string message)
        : base(message)
    {
    }

    public NonRetryableMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public NonRetryableMessageException()
    {
    }
}
