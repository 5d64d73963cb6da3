using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// Finds an account's registered signing key. The default reads Clearing:Auth:Traders; a service that keeps an
/// account registry (keys registered and rotated through events) registers its own implementation instead.
/// </summary>
public interface ITraderKeyDirectory
{
    ValueTask<PublicKey?> FindAsync(string accountId, CancellationToken cancellationToken);
}

internal sealed class ConfiguredTraderKeyDirectory : ITraderKeyDirectory
{
    private readonly Dictionary<string, PublicKey> _keys;

    public ConfiguredTraderKeyDirectory(IOptions<ClearingAuthOptions> options) =>
        _keys = options.Value.Traders.ToDictionary(p => p.Key, p => Ed25519Keys.ParsePublicKey(p.Value), StringComparer.Ordinal);

    public ValueTask<PublicKey?> FindAsync(string accountId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_keys.GetValueOrDefault(accountId));
}

/// <summary>Operator keys from Clearing:Auth:Operators, parsed once.</summary>
internal sealed class OperatorKeyRing(IOptions<ClearingAuthOptions> options)
{
    private readonly Dictionary<string, PublicKey> _keys =
        options.Value.Operators.ToDictionary(p => p.Key, p => Ed25519Keys.ParsePublicKey(p.Value), StringComparer.Ordinal);

    public PublicKey? Find(string keyId) => _keys.GetValueOrDefault(keyId);
}
