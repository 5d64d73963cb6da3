using System.Buffers.Binary;

namespace Clearing.OrderGateway.Domain.Encoding;

/// <summary>
/// Length-prefixed, fixed-order binary: a string is a big-endian u16 byte count and its UTF-8 bytes, an integer is
/// 8 bytes big-endian, an enum or flag is one byte. Nothing is optional or reordered, so two encoders (this one and a
/// trader's SDK in any language) produce the same bytes for the same command.
/// </summary>
internal sealed class CanonicalWriter
{
    private byte[] _buffer;
    private int _length;

    public CanonicalWriter(int capacity = 256) => _buffer = new byte[capacity];

    public CanonicalWriter String(string value)
    {
        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        if (count > ushort.MaxValue)
        {
            throw new ArgumentException($"a canonical string field is at most {ushort.MaxValue} bytes, got {count}", nameof(value));
        }

        Ensure(2 + count);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length), (ushort)count);
        _length += 2;
        _length += System.Text.Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
        return this;
    }

    public CanonicalWriter Bytes(ReadOnlySpan<byte> value)
    {
        Ensure(2 + value.Length);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length), (ushort)value.Length);
        _length += 2;
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
        return this;
    }

    public CanonicalWriter Int64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
        return this;
    }

    public CanonicalWriter Byte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
        return this;
    }

    public CanonicalWriter Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public CanonicalWriter Decimal(decimal? value) => String(DecimalText.Format(value));

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}
