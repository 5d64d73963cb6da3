using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.Primitives.Markets;
using Clearing.ServiceDefaults.Security;

namespace Clearing.OracleIngest.Options;

/// <summary>
/// "OracleIngest": the publisher registry, per-asset oracle rules and the feed adapters. Every value has a documented
/// default (<see cref="OracleParameters"/>); an invalid one stops start-up naming its key.
/// </summary>
public sealed partial class OracleIngestOptions : IValidatableObject
{
    public const string SectionName = "OracleIngest";

    /// <summary>Publisher id → its public key and assets. Public key material only; private keys stay with the publishers.</summary>
    public Dictionary<string, PublisherOptions> Publishers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Asset → rule overrides. Every underlying of the market catalog has an oracle even without an entry here.</summary>
    public Dictionary<string, AssetOracleOptions> Assets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often every asset is re-aggregated without new reports (staleness is noticed on this clock).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "{0} must be between 00:00:00.050 and 00:01:00")]
    public TimeSpan AggregationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Refusals in a row after which the server ends a publisher stream: bounds how much refused evidence one broken or
    /// hostile connection can make the service store.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "{0} must be 1..100000")]
    public int MaxConsecutiveRefusalsPerStream { get; set; } = 100;

    /// <summary>Recorded-data files replayed as pulled feeds (the simulator's price source).</summary>
    public List<ReplayFeedOptions> ReplayFeeds { get; set; } = [];

    public PublisherRegistry BuildRegistry() => new(Publishers.Select(p => new Publisher(
        p.Key,
        p.Value.Feed ? null : Ed25519Keys.ParsePublicKey(p.Value.PublicKey!),
        new HashSet<string>(p.Value.Assets, StringComparer.Ordinal))));

    /// <summary>The assets with an oracle: configured ones and every underlying of the catalog, with their rules.</summary>
    public IReadOnlyDictionary<string, OracleParameters> BuildAssets(MarketCatalog catalog)
    {
        var assets = catalog.All.Select(m => m.Underlying).Concat(Assets.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return assets.ToDictionary(
            asset => asset,
            asset => (Assets.TryGetValue(asset, out var o) ? o : new AssetOracleOptions()).ToParameters(
                catalog.ForUnderlying(asset).Where(m => m.Kind is MarketKind.Perpetual or MarketKind.Future).Select(m => m.Symbol).ToList()),
            StringComparer.Ordinal);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (id, publisher) in Publishers)
        {
            var key = $"{SectionName}:Publishers:{id}";
            if (!PublisherShape().IsMatch(id))
            {
                yield return new ValidationResult($"{key}: publisher id must be 1-64 characters of [a-z0-9._-] starting with a letter or digit");
            }

            if (publisher.Feed && !string.IsNullOrEmpty(publisher.PublicKey))
            {
                yield return new ValidationResult($"{key}: a feed publisher is pulled by this service and has no PublicKey; set one or the other");
            }
            else if (!publisher.Feed && Ed25519Keys.TryParsePublicKey(publisher.PublicKey, out _) is { } problem)
            {
                yield return new ValidationResult($"{key}:PublicKey {problem}");
            }

            foreach (var asset in publisher.Assets.Where(a => !AssetShape().IsMatch(a)))
            {
                yield return new ValidationResult($"{key}:Assets: '{asset}' is not an upper-case asset symbol such as \"BTC\"");
            }
        }

        foreach (var (asset, options) in Assets)
        {
            if (!AssetShape().IsMatch(asset))
            {
                yield return new ValidationResult($"{SectionName}:Assets:{asset}: not an upper-case asset symbol such as \"BTC\"");
                continue;
            }

            foreach (var problem in options.ToParameters([]).Validate())
            {
                yield return new ValidationResult($"{SectionName}:Assets:{asset}: {problem}");
            }
        }

        for (var i = 0; i < ReplayFeeds.Count; i++)
        {
            var feed = ReplayFeeds[i];
            if (string.IsNullOrWhiteSpace(feed.Path) || !File.Exists(feed.Path))
            {
                yield return new ValidationResult($"{SectionName}:ReplayFeeds:{i}:Path '{feed.Path}' does not exist");
            }
            else if (Path.GetExtension(feed.Path).ToLowerInvariant() is not (".csv" or ".jsonl" or ".ndjson"))
            {
                yield return new ValidationResult($"{SectionName}:ReplayFeeds:{i}:Path must be a .csv or .jsonl file");
            }

            if (!(feed.Speed > 0) && feed.Speed != 0)
            {
                yield return new ValidationResult($"{SectionName}:ReplayFeeds:{i}:Speed must be positive (or 0 for as fast as possible), got {feed.Speed}");
            }
        }
    }

    public static bool IsAsset(string text) => AssetShape().IsMatch(text);

    [GeneratedRegex("^[A-Z][A-Z0-9]{1,11}$")]
    private static partial Regex AssetShape();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex PublisherShape();
}

public sealed class PublisherOptions
{
    /// <summary>Base64 of the 32-byte Ed25519 public key the publisher signs with.</summary>
    public string? PublicKey { get; set; }

    /// <summary>Assets it may report; empty: any.</summary>
    public List<string> Assets { get; set; } = [];

    /// <summary>An exchange feed this service pulls through an adapter (no key: its reports are never accepted from the stream).</summary>
    public bool Feed { get; set; }
}

/// <summary>Overrides of <see cref="OracleParameters"/>; what is left out keeps its documented default.</summary>
public sealed class AssetOracleOptions
{
    public int? Quorum { get; set; }

    public decimal? OutlierMadMultiple { get; set; }

    public decimal? MinMadFraction { get; set; }

    public TimeSpan? Staleness { get; set; }

    public TimeSpan? MaxFutureSkew { get; set; }

    public decimal? MaxConfidenceFraction { get; set; }

    public decimal? BreakerBand { get; set; }

    public TimeSpan? BreakerWindow { get; set; }

    public TimeSpan? BreakerSettle { get; set; }

    public TimeSpan? MarkEmaTau { get; set; }

    public decimal? MaxMarkBasis { get; set; }

    public int? VolQuorum { get; set; }

    public TimeSpan? VolStaleness { get; set; }

    public double? MaxVolFitError { get; set; }

    public OracleParameters ToParameters(IReadOnlyList<string> markMarkets)
    {
        var d = new OracleParameters();
        return d with
        {
            Quorum = Quorum ?? d.Quorum,
            OutlierMadMultiple = OutlierMadMultiple ?? d.OutlierMadMultiple,
            MinMadFraction = MinMadFraction ?? d.MinMadFraction,
            StalenessNanos = Staleness is { } s ? s.Ticks * 100 : d.StalenessNanos,
            MaxFutureSkewNanos = MaxFutureSkew is { } f ? f.Ticks * 100 : d.MaxFutureSkewNanos,
            MaxConfidenceFraction = MaxConfidenceFraction ?? d.MaxConfidenceFraction,
            BreakerBand = BreakerBand ?? d.BreakerBand,
            BreakerWindowNanos = BreakerWindow is { } w ? w.Ticks * 100 : d.BreakerWindowNanos,
            BreakerSettleNanos = BreakerSettle is { } b ? b.Ticks * 100 : d.BreakerSettleNanos,
            MarkEmaTauNanos = MarkEmaTau is { } t ? t.Ticks * 100 : d.MarkEmaTauNanos,
            MaxMarkBasis = MaxMarkBasis ?? d.MaxMarkBasis,
            VolQuorum = VolQuorum ?? d.VolQuorum,
            VolStalenessNanos = VolStaleness is { } v ? v.Ticks * 100 : d.VolStalenessNanos,
            MaxVolFitError = MaxVolFitError ?? d.MaxVolFitError,
            MarkMarkets = markMarkets,
        };
    }
}

public sealed class ReplayFeedOptions
{
    /// <summary>A .csv or .jsonl recording (format: Clearing.OracleIngest.Domain.Feeds.RecordedReportFormat).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>1 = real time, 10 = ten times faster, 0 = as fast as possible.</summary>
    public double Speed { get; set; } = 1;

    /// <summary>
    /// Shift publish times so the first record is "now" (live simulation). Signed records cannot be shifted (the
    /// signature covers the time), so they are replayed with their recorded times.
    /// </summary>
    public bool RetimeToNow { get; set; } = true;

    /// <summary>Start again from the top when the file ends (sequences and times keep increasing).</summary>
    public bool Loop { get; set; }
}
