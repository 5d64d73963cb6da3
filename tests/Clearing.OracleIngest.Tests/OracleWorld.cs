using System.Security.Cryptography;
using System.Text;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.OracleIngest.Domain.Reports;
using NSec.Cryptography;

namespace Clearing.OracleIngest.Tests;

/// <summary>Publishers with keys derived from their names (reproducible runs) and one asset's oracle driven by hand.</summary>
internal sealed class OracleWorld
{
    public const string Asset = "BTC";
    public static readonly long T0 = 1_800_000_000L * Nanos.PerSecond;

    private static readonly Dictionary<string, Key> Keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);

    public OracleWorld(int publishers = 5, OracleParameters? parameters = null, IEnumerable<Publisher>? extra = null)
    {
        Parameters = parameters ?? new OracleParameters { MarkMarkets = ["BTC-PERP"] };
        PublisherIds = Enumerable.Range(1, publishers).Select(i => $"pub-{i}").ToArray();
        Registry = new PublisherRegistry(PublisherIds.Select(id => new Publisher(id, KeyOf(id).PublicKey, new HashSet<string>())).Concat(extra ?? []));
        State = OracleAssetState.Initial(Asset);
    }

    public OracleParameters Parameters { get; }

    public string[] PublisherIds { get; }

    public PublisherRegistry Registry { get; }

    public OracleAssetState State { get; private set; }

    public List<object> Events { get; } = [];

    public Dictionary<string, MarketObservation> Markets { get; } = new(StringComparer.Ordinal);

    public IEnumerable<IndexPublished> Indexes => Events.OfType<IndexPublished>();

    public IndexPublished LastIndex => Indexes.Last();

    /// <summary>A fixed key per name: SHA-256 of the name is the Ed25519 seed.</summary>
    public static Key KeyOf(string publisher)
    {
        lock (Keys)
        {
            if (!Keys.TryGetValue(publisher, out var key))
            {
                var seed = SHA256.HashData(Encoding.UTF8.GetBytes(publisher));
                key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
                Keys[publisher] = key;
            }

            return key;
        }
    }

    public long NextSequence(string publisher) => _sequences[publisher] = _sequences.GetValueOrDefault(publisher) + 1;

    public PriceReport Signed(string publisher, string price, long publishTime, long? sequence = null, string confidence = "1", string asset = Asset) =>
        ReportSigning.Sign(new PriceReport(publisher, asset, price, confidence, publishTime, sequence ?? NextSequence(publisher), []), KeyOf(publisher));

    public IReadOnlyList<object> Receive(PriceReport report, long now, ReportOrigin origin = ReportOrigin.PublisherStream) =>
        Apply(OracleAsset.ReceivePrice(State, report, origin, Registry, Parameters, Markets, now));

    public IReadOnlyList<object> Tick(long now) => Apply(OracleAsset.Tick(State, Parameters, Markets, now));

    public IReadOnlyList<object> Reset(long now) => Apply(OracleAsset.ResetBreaker(State, "ops-alice", "feed recovered", Nanos.ToTime(now)));

    public IReadOnlyList<object> ReceiveVol(VolReport report, long now) =>
        Apply(OracleAsset.ReceiveVol(State, report, ReportOrigin.PublisherStream, Registry, Parameters, now));

    /// <summary>Every publisher reports <paramref name="price"/> at <paramref name="now"/>.</summary>
    public void AllReport(decimal price, long now)
    {
        foreach (var id in PublisherIds)
        {
            Receive(Signed(id, price.ToString(System.Globalization.CultureInfo.InvariantCulture), now), now);
        }
    }

    public IReadOnlyList<object> Apply(IReadOnlyList<object> decided)
    {
        foreach (var e in decided)
        {
            State = OracleAsset.Evolve(Parameters, State, e);
            Events.Add(e);
        }

        return decided;
    }
}
