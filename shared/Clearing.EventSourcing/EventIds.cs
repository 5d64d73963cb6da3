using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Clearing.EventSourcing;

/// <summary>
/// Ids for stored events that name none of their own: 60 random bits drawn once per process, then a counter that
/// starts at a random value, laid out as an RFC 9562 version-8 UUID. <see cref="Guid.NewGuid"/> asks the kernel for
/// random bytes on every call (getrandom on this glibc), a few percent of a service's CPU at order rate, where every
/// fill stores several events. Ids only need to be unique: two processes collide only if they draw the same 60 bits.
/// </summary>
public static class EventIds
{
    private static readonly ulong Prefix = BinaryPrimitives.ReadUInt64BigEndian(RandomNumberGenerator.GetBytes(8));

    // The top two bits give way to the variant; starting below 2^61 leaves 2^61 ids before the counter wraps them.
    private static long _counter = (long)(BinaryPrimitives.ReadUInt64BigEndian(RandomNumberGenerator.GetBytes(8)) >> 3);

    public static Guid Next() => Compose(Prefix, (ulong)Interlocked.Increment(ref _counter));

    /// <summary>The id of one prefix and counter value (exposed for tests of the layout).</summary>
    internal static Guid Compose(ulong prefix, ulong counter)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, prefix);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], counter);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);   // version 8: custom layout
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);   // variant 10: RFC 9562
        return new Guid(bytes, bigEndian: true);
    }
}
