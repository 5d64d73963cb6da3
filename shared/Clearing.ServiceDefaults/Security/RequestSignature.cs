using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Clearing.ServiceDefaults.Security;

/// <summary>Which kind of key signed a request; part of the signed bytes, so a trader signature never passes as an operator's.</summary>
public enum SignerKind
{
    Trader,
    Operator,
}

/// <summary>
/// The signed-request scheme shared by traders and operators. The client signs, with Ed25519, the UTF-8 bytes of
/// <code>
/// clearing-request-v1\n{trader|operator}\n{account or operator key id}\n{HTTP method}\n{path}\n{unix ms}\n{nonce}\n{hex SHA-256 of the body}
/// </code>
/// and sends the parts as headers. For gRPC the path is "/package.Service/Method" and the body is the protobuf
/// bytes of the one request message (without gRPC's 5-byte frame prefix); for plain HTTP it is the raw body.
/// The server refuses a timestamp further than Clearing:Auth:MaxClockSkew from its clock and any nonce it has seen
/// from the same signer within that window, so a captured request cannot be replayed.
/// </summary>
public static class RequestSignature
{
    public const string AccountHeader = "x-clearing-account";
    public const string OperatorHeader = "x-clearing-operator";
    public const string SignatureHeader = "x-clearing-signature";
    public const string TimestampHeader = "x-clearing-timestamp";
    public const string NonceHeader = "x-clearing-nonce";

    private const string Version = "clearing-request-v1";

    public static byte[] CanonicalBytes(SignerKind kind, string signer, string httpMethod, string path, long timestampUnixMs, string nonce, ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return CanonicalBytesFromHash(kind, signer, httpMethod, path, timestampUnixMs, nonce, hash);
    }

    public static byte[] CanonicalBytesFromHash(SignerKind kind, string signer, string httpMethod, string path, long timestampUnixMs, string nonce, ReadOnlySpan<byte> bodySha256)
    {
        var text = string.Join('\n',
            Version,
            kind == SignerKind.Trader ? "trader" : "operator",
            signer,
            httpMethod.ToUpperInvariant(),
            path,
            timestampUnixMs.ToString(CultureInfo.InvariantCulture),
            nonce,
            Convert.ToHexStringLower(bodySha256));
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>16–128 characters of [A-Za-z0-9_-]: enough entropy to be unique, nothing that needs escaping in a header.</summary>
    public static bool IsWellFormedNonce(string nonce) =>
        nonce.Length is >= 16 and <= 128 && nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>Account ids and operator key ids: 1–128 characters of [A-Za-z0-9._:-].</summary>
    public static bool IsWellFormedSigner(string signer) =>
        signer.Length is >= 1 and <= 128 && signer.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');

    /// <summary>A fresh random nonce (128 bits, base64url).</summary>
    public static string NewNonce()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
