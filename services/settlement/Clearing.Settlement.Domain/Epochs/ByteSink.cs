using System.Buffers;
using System.Runtime.CompilerServices;

namespace Clearing.Settlement.Domain.Epochs;

/// <summary>
/// A pooled byte buffer that hands its contents to a stream whenever the next write would not fit, so a statement of
/// any size (the fee pool's has a movement per fill) streams through a fixed amount of memory. Without a stream it
/// only grows: a scratch buffer.
/// </summary>
internal sealed class ByteSink : IDisposable
{
    private readonly Stream? _stream;
    private byte[] _buffer;
    private int _length;

    public ByteSink(Stream? stream, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Room for at least <paramref name="size"/> bytes; commit what was used with <see cref="Advance"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Reserve(int size) => _length + size <= _buffer.Length ? _buffer.AsSpan(_length) : MakeRoom(size);

    // Kept out of line so the common case above inlines into the renderer's many small writes.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span<byte> MakeRoom(int size)
    {
        if (_stream is not null)
        {
            Flush();
        }

        if (_length + size > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_length + size, _buffer.Length * 2));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(byte value)
    {
        if (_length < _buffer.Length)
        {
            _buffer[_length++] = value;
            return;
        }

        MakeRoom(1)[0] = value;
        _length++;
    }

    public void Clear() => _length = 0;

    public void Flush()
    {
        if (_stream is not null && _length > 0)
        {
            _stream.Write(_buffer, 0, _length);
            _length = 0;
        }
    }

    public void Dispose()
    {
        Flush();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
