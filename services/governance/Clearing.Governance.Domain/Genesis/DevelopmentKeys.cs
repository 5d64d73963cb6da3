using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Clearing.Governance.Domain.Genesis;

/// <summary>
/// Keys for a local stack only. They are derived from public strings, so anyone can compute them: the development
/// genesis uses them so that `clearing up` and the tests can govern out of the box, and the governance host refuses a
/// genesis holding any of them outside the Development environment.
/// </summary>
public static class DevelopmentKeys
{
    public const int GovernorCount = 3;
    public const int PublisherCount = 5;

    public static string GovernorId(int index) => $"gov-dev-{index}";

    public static Key Governor(int index) => Derive($"clearing development governor {index}: publicly known, never use outside a local stack");

    public static Key Publisher(int index) => Derive($"clearing development oracle publisher {index}: publicly known, never use outside a local stack");

    /// <summary>Base64 public keys of every development key, to recognise a development genesis.</summary>
    public static IReadOnlySet<string> AllPublicKeys() =>
        Enumerable.Range(1, GovernorCount).Select(Governor).Concat(Enumerable.Range(1, PublisherCount).Select(Publisher))
            .Select(k => Convert.ToBase64String(k.PublicKey.Export(KeyBlobFormat.RawPublicKey)))
            .ToHashSet(StringComparer.Ordinal);

    private static Key Derive(string phrase) =>
        Key.Import(SignatureAlgorithm.Ed25519, SHA256.HashData(Encoding.UTF8.GetBytes(phrase)), KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
}
