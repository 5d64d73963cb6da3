using System.Security.Cryptography;
using Clearing.EventSourcing;
using Microsoft.Extensions.Options;

namespace Clearing.Settlement.Application;

/// <summary>
/// The secret each account's per-epoch salt is derived from: configured (Settlement:Epochs:SaltSecret), or generated
/// once and kept in the store so every replay and restart derives the same salts and the same roots.
/// </summary>
public sealed class SaltSecretProvider(IEventStore store, IOptions<SettlementOptions> options)
{
    public const string StreamId = "salt-secret";

    private byte[]? _secret;

    public async Task<byte[]> GetAsync(CancellationToken cancellationToken)
    {
        if (_secret is not null)
        {
            return _secret;
        }

        if (options.Value.Epochs.SaltSecret is { Length: > 0 } configured)
        {
            return _secret = Convert.FromHexString(configured);
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            await foreach (var recorded in store.ReadStreamAsync(StreamId, ReadDirection.Forward, 0, 1, cancellationToken))
            {
                return _secret = Convert.FromHexString(((SaltSecretCreated)SettlementSerialization.Serializer.Deserialize(recorded)).SecretHex);
            }

            var secret = RandomNumberGenerator.GetBytes(32);
            try
            {
                await store.AppendAsync(StreamId, ExpectedVersion.NoStream, [SettlementSerialization.Serializer.Serialize(new SaltSecretCreated(Convert.ToHexStringLower(secret)))], cancellationToken);
                return _secret = secret;
            }
            catch (WrongExpectedVersionException)
            {
                // Another instance created it first: read theirs.
            }
        }

        throw new InvalidOperationException($"could not read or create the salt secret in stream '{StreamId}'");
    }
}
