using NSec.Cryptography;

namespace Clearing.ServiceDefaults.Security;

/// <summary>Ed25519 key text as it appears in configuration: base64 of the 32 raw public-key bytes.</summary>
public static class Ed25519Keys
{
    public static SignatureAlgorithm Algorithm => SignatureAlgorithm.Ed25519;

    /// <summary>Null when <paramref name="text"/> is a valid key; otherwise what is wrong with it.</summary>
    public static string? TryParsePublicKey(string? text, out PublicKey? key)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "must be a base64 Ed25519 public key (32 bytes), not empty";
        }

        var bytes = new byte[64];
        if (!Convert.TryFromBase64String(text.Trim(), bytes, out var length) || length != 32)
        {
            return "must be a base64 Ed25519 public key (32 bytes)";
        }

        if (!PublicKey.TryImport(Algorithm, bytes.AsSpan(0, 32), KeyBlobFormat.RawPublicKey, out key))
        {
            return "is not a valid Ed25519 public key";
        }

        return null;
    }

    public static PublicKey ParsePublicKey(string text) =>
        TryParsePublicKey(text, out var key) is { } problem ? throw new FormatException($"Ed25519 public key {problem}.") : key!;

    /// <summary>Base64 of the raw public key: the form configuration holds.</summary>
    public static string Export(PublicKey key) => Convert.ToBase64String(key.Export(KeyBlobFormat.RawPublicKey));
}
