using NSec.Cryptography;

namespace Clearing.OracleIngest.Domain.Publishers;

/// <summary>
/// One price source. A signed publisher holds its own Ed25519 key and pushes reports over the stream; a feed
/// publisher is an exchange feed this service pulls itself through an adapter, so its reports carry no signature and
/// are accepted only from the adapter path, never from the stream.
/// </summary>
/// <param name="Assets">Assets this publisher may report; empty means every asset.</param>
public sealed record Publisher(string Id, PublicKey? Key, IReadOnlySet<string> Assets)
{
    public bool IsFeed => Key is null;

    public bool Covers(string asset) => Assets.Count == 0 || Assets.Contains(asset);
}

/// <summary>The known publishers, by id. Built from configuration; immutable while the service runs.</summary>
public sealed class PublisherRegistry
{
    private readonly Dictionary<string, Publisher> _byId;

    public PublisherRegistry(IEnumerable<Publisher> publishers)
    {
        _byId = new Dictionary<string, Publisher>(StringComparer.Ordinal);
        foreach (var publisher in publishers)
        {
            if (!_byId.TryAdd(publisher.Id, publisher))
            {
                throw new ArgumentException($"publisher '{publisher.Id}' is registered twice.", nameof(publishers));
            }
        }
    }

    public static PublisherRegistry Empty { get; } = new([]);

    public IReadOnlyCollection<Publisher> All => _byId.Values;

    public bool TryGet(string id, out Publisher publisher) => _byId.TryGetValue(id, out publisher!);
}
