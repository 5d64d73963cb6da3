using System.Text.Json;
using System.Text.Json.Serialization;
using NSec.Cryptography;

namespace Clearing.Cli.Stack;

/// <summary>
/// The keys of a local stack: trader accounts, an operator, oracle publishers and governors, each an Ed25519 pair.
/// `clearing up` creates it once under the data directory (so a resumed stack keeps its identities) and hands the
/// public halves to the services as configuration; `clearing simulate` signs with the private halves.
/// Development only: the file holds private keys in the clear, which is why it lives in the data directory and never
/// in the repository, and production keys come from Kubernetes Secrets instead (README, Security model).
/// </summary>
internal sealed record DevKeyring
{
    public const string FileName = "dev-keyring.json";

    public required SortedDictionary<string, KeyPairText> Traders { get; init; }
    public required SortedDictionary<string, KeyPairText> Operators { get; init; }
    public required SortedDictionary<string, KeyPairText> Publishers { get; init; }
    public required SortedDictionary<string, KeyPairText> Governors { get; init; }

    /// <summary>The trading account the local vault quotes as (<see cref="VaultAccountId"/>): registered with the gateway like a trader's.</summary>
    public KeyPairText? Vault { get; init; }

    public const string VaultAccountId = Clearing.Primitives.Accounts.VaultAccounts.DefaultAccountId;

    /// <summary>
    /// Stands in for the mesh identity of in-cluster callers (what mTLS or the Dapr sidecar proves in a cluster): the
    /// services accept it as Clearing:Auth:Dapr:AppApiToken, and local tools that act as a service (the simulator's
    /// oracle publishers) present it as dapr-api-token.
    /// </summary>
    public string ServiceToken { get; init; } = "";

    public static string PathIn(DirectoryInfo data) => Path.Combine(data.FullName, FileName);

    /// <summary>Reads the keyring of <paramref name="data"/>, or creates and stores a fresh one.</summary>
    public static DevKeyring LoadOrCreate(DirectoryInfo data, int traders = 24, int publishers = 5, int governors = 3)
    {
        var path = PathIn(data);
        if (File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize<DevKeyring>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} is empty; delete it to get a fresh keyring");
            if (stored.ServiceToken.Length > 0 && stored.Vault is not null)
            {
                return stored;
            }
            // A keyring from before service tokens or the vault: keep its keys, add what is missing.
            stored = stored with
            {
                ServiceToken = stored.ServiceToken.Length > 0 ? stored.ServiceToken : NewToken(),
                Vault = stored.Vault ?? Generate(VaultAccountId, 1).Single().Value,
            };
            Save(stored, path);
            return stored;
        }
        var keyring = new DevKeyring
        {
            Traders = Generate("acct-", traders),
            Operators = Generate("ops-", 1),
            Publishers = Generate("pub-", publishers),
            Governors = Generate("gov-", governors),
            Vault = Generate(VaultAccountId, 1).Single().Value,
            ServiceToken = NewToken(),
        };
        data.Create();
        Save(keyring, path);
        return keyring;
    }

    private static void Save(DevKeyring keyring, string path)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(keyring, Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static string NewToken() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Configuration every service gets: who may sign as a trader or an operator (public keys only).</summary>
    public IEnumerable<KeyValuePair<string, string>> ServiceEnvironment()
    {
        foreach (var (id, pair) in Traders)
        {
            yield return new($"Clearing__Auth__Traders__{id}", pair.PublicKey);
        }
        foreach (var (id, pair) in Operators)
        {
            yield return new($"Clearing__Auth__Operators__{id}", pair.PublicKey);
        }
        if (Vault is not null)
        {
            yield return new($"Clearing__Auth__Traders__{VaultAccountId}", Vault.PublicKey);
        }
        yield return new("Clearing__Auth__Dapr__AppApiToken", ServiceToken);
        foreach (var (id, pair) in Publishers)
        {
            yield return new($"OracleIngest__Publishers__{id}__PublicKey", pair.PublicKey);
        }
    }

    private static SortedDictionary<string, KeyPairText> Generate(string prefix, int count)
    {
        var keys = new SortedDictionary<string, KeyPairText>(StringComparer.Ordinal);
        for (var i = 1; i <= count; i++)
        {
            using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
            keys[$"{prefix}{i}"] = new KeyPairText(
                Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)),
                Convert.ToBase64String(key.Export(KeyBlobFormat.RawPrivateKey)));
        }
        return keys;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

/// <summary>Base64 raw Ed25519 keys (32-byte public, 32-byte private seed).</summary>
internal sealed record KeyPairText(string PublicKey, [property: JsonPropertyName("privateKey")] string PrivateKey)
{
    public Key Import() => Key.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(PrivateKey), KeyBlobFormat.RawPrivateKey);
}
