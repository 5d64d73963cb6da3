using System.Buffers;
using System.Buffers.Binary;

namespace Clearing.OrderGateway.Domain.Encoding;

/// <summary>
/// Length-prefixed, fixed-order binary: a string is a big-endian u16 byte count and its UTF-8 bytes, an integer is
/// 8 bytes big-endian, an enum or flag is one byte. Nothing is optional or reordered, so two encoders (this one and a
/// trader's SDK in any language) produce the same bytes for the same command. Writes into the caller's buffer
/// (stack memory on the order path) and rents a larger one only when that is full; <see cref="Dispose"/> returns it.
/// </summary>
internal ref struct CanonicalWriter(Span<byte> initial)
{
    /// <summary>The most bytes a decimal's text takes: 29 digits, a sign and a point.</summary>
    private const int MaxDecimalBytes = 32;

    private Span<byte> _buffer = initial;
    private byte[]? _rented;
    private int _length;

    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void String(string value)
    {
        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        if (count > ushort.MaxValue)
        {
            throw new ArgumentException($"a canonical string field is at most {ushort.MaxValue} bytes, got {count}", nameof(value));
        }

        Ensure(2 + count);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], (ushort)count);
        _length += 2;
        _length += System.Text.Encoding.UTF8.GetBytes(value, _buffer[_length..]);
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        Ensure(2 + value.Length);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], (ushort)value.Length);
        _length += 2;
        value.CopyTo(_buffer[_length..]);
        _length += value.Length;
    }

    public void Int64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer[_length..], value);
        _length += 8;
    }

    public void Byte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    /// <summary>The <see cref="DecimalText"/> form as a string field, written as UTF-8 in place; empty for null.</summary>
    public void Decimal(decimal? value)
    {
        if (value is not { } v)
        {
            String("");
            return;
        }

        Ensure(2 + MaxDecimalBytes);
        var count = DecimalText.FormatUtf8(v, _buffer[(_length + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], (ushort)count);
        _length += 2 + count;
    }

    public readonly byte[] ToArray() => Written.ToArray();

    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            _buffer = default;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer[.._length].CopyTo(larger);
        if (_rented is { } old)
        {
            ArrayPool<byte>.Shared.Return(old);
        }

        _rented = larger;
        _buffer = larger;
    }
}
