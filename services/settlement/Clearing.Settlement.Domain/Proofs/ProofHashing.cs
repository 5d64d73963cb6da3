using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clearing.Settlement.Domain.Epochs;

namespace Clearing.Settlement.Domain.Proofs;

/// <summary>
/// The byte layouts of the Merkle sum tree, fixed so that anyone can re-implement the check (the CLI's
/// verify-proof does, independently). All hashes are SHA-256; amounts are their canonical decimal text
/// (invariant culture, no trailing zeros, "0" for zero) prefixed by one length byte.
/// <code>
/// salt        = HMAC-SHA256(epoch secret, "clearing.settlement.salt.v1\n{epoch}\n{asset}\n{account id}")
/// accountHash = SHA-256(salt ‖ UTF-8 account id)
/// leaf        = SHA-256(0x00 ‖ accountHash ‖ len ‖ liability)
/// node        = SHA-256(0x01 ‖ left hash ‖ right hash ‖ len ‖ left sum ‖ len ‖ right sum), sum = left sum + right sum
/// padding     = SHA-256(0x02 ‖ level), sum 0 (the right sibling of a level's last node when the level is odd)
/// </code>
/// A node commits to each child's sum, not only to their total: with only the total, a prover can move value between
/// siblings so that two users' proofs each look right while the tree under-reports (the flaw found in Maxwell's
/// original scheme). The 0x00/0x01/0x02 prefixes keep a leaf from ever passing as a node.
/// </summary>
public static class ProofHashing
{
    public const int HashSize = 32;

    /// <summary>Longest canonical decimal text: 29 digits, a sign and a point.</summary>
    public const int MaxAmountBytes = 31;

    private const byte LeafTag = 0x00;
    private const byte NodeTag = 0x01;
    private const byte PaddingTag = 0x02;

    /// <summary>Strips trailing zeros so equal amounts always hash alike (1.50 and 1.5 are one value).</summary>
    public static decimal Canonical(decimal value) => value / 1.000000000000000000000000000000000m;

    public static string CanonicalText(decimal value) => Canonical(value).ToString(CultureInfo.InvariantCulture);

    public static byte[] Salt(ReadOnlySpan<byte> secret, long epoch, string asset, string accountId)
    {
        var salt = new byte[HashSize];
        new SaltDeriver(secret, epoch, asset).Derive(accountId, salt);
        return salt;
    }

    /// <summary>
    /// SHA-256 of <paramref name="input"/>. A tree build passes one reusable <see cref="IncrementalHash"/> per worker:
    /// the one-shot call sets up a fresh digest context each time, which over millions of short inputs costs more than
    /// the hashing itself.
    /// </summary>
    public static void Digest(ReadOnlySpan<byte> input, Span<byte> destination, IncrementalHash? hasher = null)
    {
        if (hasher is null)
        {
            SHA256.HashData(input, destination);
            return;
        }

        hasher.AppendData(input);
        hasher.GetHashAndReset(destination);
    }

    public static void AccountHash(ReadOnlySpan<byte> salt, string accountId, Span<byte> destination, IncrementalHash? hasher = null)
    {
        Span<byte> buffer = stackalloc byte[512];
        var length = salt.Length + Encoding.UTF8.GetByteCount(accountId);
        var bytes = length <= buffer.Length ? buffer[..length] : new byte[length];
        salt.CopyTo(bytes);
        Encoding.UTF8.GetBytes(accountId, bytes[salt.Length..]);
        Digest(bytes, destination, hasher);
    }

    public static byte[] AccountHash(ReadOnlySpan<byte> salt, string accountId)
    {
        var hash = new byte[HashSize];
        AccountHash(salt, accountId, hash);
        return hash;
    }

    /// <summary>Leaf hash; <paramref name="liability"/> must be canonical and ≥ 0.</summary>
    public static void Leaf(ReadOnlySpan<byte> accountHash, decimal liability, Span<byte> destination, IncrementalHash? hasher = null)
    {
        Span<byte> buffer = stackalloc byte[1 + HashSize + 1 + MaxAmountBytes];
        buffer[0] = LeafTag;
        accountHash.CopyTo(buffer[1..]);
        var written = WriteAmount(liability, buffer[(1 + HashSize)..]);
        Digest(buffer[..(1 + HashSize + written)], destination, hasher);
    }

    public static void Node(ReadOnlySpan<byte> leftHash, decimal leftSum, ReadOnlySpan<byte> rightHash, decimal rightSum, Span<byte> destination, IncrementalHash? hasher = null)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashSize) + (2 * (1 + MaxAmountBytes))];
        buffer[0] = NodeTag;
        leftHash.CopyTo(buffer[1..]);
        rightHash.CopyTo(buffer[(1 + HashSize)..]);
        var at = 1 + (2 * HashSize);
        at += WriteAmount(leftSum, buffer[at..]);
        at += WriteAmount(rightSum, buffer[at..]);
        Digest(buffer[..at], destination, hasher);
    }

    public static byte[] Padding(int level)
    {
        ReadOnlySpan<byte> input = [PaddingTag, checked((byte)level)];
        return SHA256.HashData(input);
    }

    /// <summary>
    /// Writes len ‖ canonical text; returns the bytes written. Trailing zeros are trimmed from the text rather than by
    /// a decimal division per amount: the same canonical form, at a fraction of the cost over millions of nodes.
    /// </summary>
    private static int WriteAmount(decimal amount, Span<byte> destination)
    {
        if (destination.Length < 1 + DecimalText.MaxBytes)
        {
            throw new InvalidOperationException($"amount {amount} does not fit its canonical encoding");
        }

        var written = DecimalText.Write(amount, destination[1..]);
        var text = destination.Slice(1, written);
        if (text.IndexOf((byte)'.') >= 0)
        {
            while (text[written - 1] == (byte)'0')
            {
                written--;
            }

            if (text[written - 1] == (byte)'.')
            {
                written--;
            }
        }

        destination[0] = (byte)written;
        return written + 1;
    }
}

/// <summary>
/// HMAC-SHA256 salts for one tree (one epoch and asset) without allocating per account: the key pads and the label
/// prefix are prepared once, each account costs two SHA-256 calls over stack buffers. Same output as
/// HMACSHA256.HashData(secret, "clearing.settlement.salt.v1\n{epoch}\n{asset}\n{account id}").
/// </summary>
public sealed class SaltDeriver
{
    private const int BlockSize = 64;
    private readonly byte[] _innerPad = new byte[BlockSize];
    private readonly byte[] _outerPad = new byte[BlockSize];
    private readonly byte[] _prefix;

    public SaltDeriver(ReadOnlySpan<byte> secret, long epoch, string asset)
    {
        Span<byte> key = stackalloc byte[BlockSize];
        key.Clear();
        if (secret.Length > BlockSize)
        {
            SHA256.HashData(secret, key);
        }
        else
        {
            secret.CopyTo(key);
        }

        for (var i = 0; i < BlockSize; i++)
        {
            _innerPad[i] = (byte)(key[i] ^ 0x36);
            _outerPad[i] = (byte)(key[i] ^ 0x5c);
        }

        _prefix = Encoding.UTF8.GetBytes($"clearing.settlement.salt.v1\n{epoch.ToString(CultureInfo.InvariantCulture)}\n{asset}\n");
    }

    public void Derive(string accountId, Span<byte> destination, IncrementalHash? hasher = null)
    {
        var idLength = Encoding.UTF8.GetByteCount(accountId);
        var length = BlockSize + _prefix.Length + idLength;
        Span<byte> stack = stackalloc byte[Math.Min(length, 1024)];
        var inner = length <= stack.Length ? stack[..length] : new byte[length];
        _innerPad.CopyTo(inner);
        _prefix.CopyTo(inner[BlockSize..]);
        Encoding.UTF8.GetBytes(accountId, inner[(BlockSize + _prefix.Length)..]);
        Span<byte> outer = stackalloc byte[BlockSize + ProofHashing.HashSize];
        _outerPad.CopyTo(outer);
        ProofHashing.Digest(inner, outer[BlockSize..], hasher);
        ProofHashing.Digest(outer, destination, hasher);
    }
}
