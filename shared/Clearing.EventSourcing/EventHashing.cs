using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Clearing.EventSourcing;

/// <summary>
/// The hash chain: SHA-256(previous hash ‖ canonical bytes of the event). The canonical form length-prefixes
/// every field so no two different events encode alike. The global position is left out on purpose: it is
/// assigned by the database at commit, while the hash is fixed before the write.
/// </summary>
public static class EventHashing
{
    public const int HashSize = 32;

    /// <summary>The "previous hash" of a stream's first event.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[HashSize];

    public static byte[] Compute(
        ReadOnlySpan<byte> previousHash,
        string streamId,
        long streamVersion,
        Guid eventId,
        string type,
        int schemaVersion,
        long timestampMicros,
        Guid? correlationId,
        Guid? causationId,
        ReadOnlySpan<byte> data,
        ReadOnlySpan<byte> metadata)
    {
        var size = HashSize
            + 4 + Encoding.UTF8.GetMaxByteCount(streamId.Length)
            + 8 + 16
            + 4 + Encoding.UTF8.GetMaxByteCount(type.Length)
            + 4 + 8 + 17 + 17
            + 4 + data.Length
            + 4 + metadata.Length;
        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var span = rented.AsSpan();
            var at = 0;
            previousHash.CopyTo(span[at..]);
            at += HashSize;
            at += WriteString(span[at..], streamId);
            BinaryPrimitives.WriteInt64BigEndian(span[at..], streamVersion);
            at += 8;
            eventId.TryWriteBytes(span[at..], bigEndian: true, out _);
            at += 16;
            at += WriteString(span[at..], type);
            BinaryPrimitives.WriteInt32BigEndian(span[at..], schemaVersion);
            at += 4;
            BinaryPrimitives.WriteInt64BigEndian(span[at..], timestampMicros);
            at += 8;
            at += WriteOptionalGuid(span[at..], correlationId);
            at += WriteOptionalGuid(span[at..], causationId);
            at += WriteBytes(span[at..], data);
            at += WriteBytes(span[at..], metadata);
            var hash = new byte[HashSize];
            SHA256.HashData(span[..at], hash);
            return hash;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Recomputes the hash of a stored event from its own fields and the given predecessor hash.</summary>
    public static byte[] Recompute(RecordedEvent e, ReadOnlySpan<byte> previousHash) =>
        Compute(previousHash, e.StreamId, e.StreamVersion, e.EventId, e.Type, e.SchemaVersion,
            ToMicros(e.Timestamp), e.CorrelationId, e.CausationId, e.Data.Span, e.Metadata.Span);

    public static long ToMicros(DateTimeOffset timestamp) => (timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    private static int WriteString(Span<byte> span, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, written);
        return 4 + written;
    }

    private static int WriteBytes(Span<byte> span, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
        return 4 + value.Length;
    }

    private static int WriteOptionalGuid(Span<byte> span, Guid? value)
    {
        if (value is not { } guid)
        {
            span[0] = 0;
            return 1;
        }

        span[0] = 1;
        guid.TryWriteBytes(span[1..], bigEndian: true, out _);
        return 17;
    }
}
