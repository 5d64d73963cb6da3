using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.OracleIngest.Domain.Reports;
using NSec.Cryptography;

namespace Clearing.Benchmarks.Oracle;

/// <summary>
/// Signed price reports verified and aggregated per second on one core, against bare Ed25519 verifications of the same
/// reports measured in the same run (issue 4: signature verification is the ceiling; goal ≥ 90% of it, i.e. the rest of
/// the ingest — canonical bytes, parsing, sequence and time checks, median/MAD, breaker window, marks, events and the
/// fold — costs under 10%).
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*OracleIngestBenchmarks*'
/// </summary>
/// <remarks>
/// Workload: 7 publishers reporting BTC round-robin (a random walk with per-publisher noise, one publisher 3% off so
/// the outlier path runs), one report per millisecond, each aggregated at once with two marked markets whose books are
/// two-sided: every report yields ReportAccepted + IndexPublished. "BareVerify" verifies the very same 64-byte
/// signatures over pre-built canonical bytes. "UnsignedFeedIngest" runs the identical path for a feed publisher (no
/// signature), i.e. the aggregation's own cost. Results are per report (OperationsPerInvoke).
/// </remarks>
[Config(typeof(OracleBenchmarkConfig))]
[MemoryDiagnoser]
public class OracleIngestBenchmarks
{
    private const int Reports = 4_096;
    private const int PublisherCount = 7;
    private static readonly long T0 = 1_800_000_000L * Nanos.PerSecond;

    private readonly OracleParameters parameters = new() { MarkMarkets = ["BTC-PERP", "BTC-26MAR27"] };
    private readonly Dictionary<string, MarketObservation> markets = new(StringComparer.Ordinal)
    {
        ["BTC-PERP"] = new("BTC-PERP", 63_990m, 64_010m, 64_005m),
        ["BTC-26MAR27"] = new("BTC-26MAR27", 64_590m, 64_610m, 64_600m),
    };

    private PriceReport[] signed = [];
    private PriceReport[] unsigned = [];
    private byte[][] canonical = [];
    private PublicKey[] keys = [];
    private PublisherRegistry registry = PublisherRegistry.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4);
        var ids = Enumerable.Range(1, PublisherCount).Select(i => $"pub-{i}").ToArray();
        var privateKeys = ids.Select(id => Key.Import(SignatureAlgorithm.Ed25519, SHA256.HashData(Encoding.UTF8.GetBytes(id)), KeyBlobFormat.RawPrivateKey)).ToArray();
        registry = new PublisherRegistry(ids.Select((id, i) => new Publisher(id, privateKeys[i].PublicKey, new HashSet<string>()))
            .Append(new Publisher("feed", null, new HashSet<string>())));
        signed = new PriceReport[Reports];
        unsigned = new PriceReport[Reports];
        canonical = new byte[Reports][];
        keys = new PublicKey[Reports];
        var price = 64_000m;
        for (var i = 0; i < Reports; i++)
        {
            var p = i % PublisherCount;
            price = Math.Round(price * (1m + (decimal)(random.NextDouble() - 0.5) * 0.0004m), 1);
            var quoted = p == 6 ? Math.Round(price * 1.03m, 1) : price + (decimal)Math.Round(random.NextDouble() * 4 - 2, 1);
            var text = quoted.ToString(CultureInfo.InvariantCulture);
            var time = T0 + i * Nanos.PerMillisecond;
            signed[i] = ReportSigning.Sign(new PriceReport(ids[p], "BTC", text, "2.5", time, i / PublisherCount + 1, []), privateKeys[p]);
            canonical[i] = ReportSigning.CanonicalBytes(signed[i]);
            keys[i] = privateKeys[p].PublicKey;
            // The feed-publisher variant needs one increasing sequence of its own.
            unsigned[i] = new PriceReport("feed", "BTC", text, "2.5", time, i + 1, []);
        }

        foreach (var key in privateKeys)
        {
            key.Dispose();
        }

        // Fail here, not in a silent fast path: every signed report must be accepted and aggregated.
        var events = Ingest(signed, ReportOrigin.PublisherStream);
        if (events != 2 * Reports)
        {
            throw new InvalidOperationException($"expected every report accepted and aggregated ({2 * Reports} events), got {events}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Reports)]
    public int BareVerify()
    {
        var ok = 0;
        for (var i = 0; i < Reports; i++)
        {
            ok += SignatureAlgorithm.Ed25519.Verify(keys[i], canonical[i], signed[i].Signature) ? 1 : 0;
        }

        return ok;
    }

    [Benchmark(OperationsPerInvoke = Reports)]
    public int VerifyAndAggregate() => Ingest(signed, ReportOrigin.PublisherStream);

    [Benchmark(OperationsPerInvoke = Reports)]
    public int UnsignedFeedIngest() => Ingest(unsigned, ReportOrigin.FeedAdapter);

    private int Ingest(PriceReport[] reports, ReportOrigin origin)
    {
        var state = OracleAssetState.Initial("BTC");
        var events = 0;
        foreach (var report in reports)
        {
            foreach (var e in OracleAsset.ReceivePrice(state, report, origin, registry, parameters, markets, report.PublishTimeUnixNanos + Nanos.PerMillisecond))
            {
                state = OracleAsset.Evolve(parameters, state, e);
                events++;
            }
        }

        return events;
    }
}

public sealed class OracleBenchmarkConfig : ManualConfig
{
    public OracleBenchmarkConfig() => AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(10));
}
