using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.OracleIngest.Domain.Reports;
using Clearing.OracleIngest.Integration;

namespace Clearing.OracleIngest.Application;

/// <summary>
/// Where every report enters, whichever way it came (publisher stream or feed adapter): routed by asset to its oracle,
/// decided there against the receiving clock read under the asset's lock, stored with the expected version.
/// </summary>
public sealed class OracleIngestion(OracleAssets assets, PublisherRegistry publishers, BookTops books, TimeProvider time)
{
    public async Task<Decided> ReceivePriceAsync(PriceReport report, ReportOrigin origin, CancellationToken cancellationToken)
    {
        if (!assets.TryGet(report.Asset, out var oracle))
        {
            return await RefuseUnlistedAsync(new ReportRefused(
                report.Asset, report.PublisherId, ReportVerification.OriginCode(origin), report.Price, report.Confidence, report.PublishTimeUnixNanos,
                report.Sequence, Now(), Convert.ToBase64String(report.Signature ?? []), ReportVerification.UnknownAsset, UnknownAssetDetail(report.Asset)), cancellationToken);
        }

        return await oracle.DecideAsync(
            state => OracleAsset.ReceivePrice(state, report, origin, publishers, oracle.Parameters, books.Observe(oracle.Parameters.MarkMarkets), Now()),
            cancellationToken);
    }

    public async Task<Decided> ReceiveVolAsync(VolReport report, ReportOrigin origin, CancellationToken cancellationToken)
    {
        if (!assets.TryGet(report.Asset, out var oracle))
        {
            return await RefuseUnlistedAsync(new VolReportRefused(
                report.Asset, report.PublisherId, ReportVerification.OriginCode(origin), report.ExpiryUnixNanos, report.Forward,
                report.Points.Select(p => $"{p.Strike}:{p.ImpliedVol}").ToList(), report.PublishTimeUnixNanos, report.Sequence, Now(),
                Convert.ToBase64String(report.Signature ?? []), ReportVerification.UnknownAsset, UnknownAssetDetail(report.Asset)), cancellationToken);
        }

        return await oracle.DecideAsync(state => OracleAsset.ReceiveVol(state, report, origin, publishers, oracle.Parameters, Now()), cancellationToken);
    }

    /// <summary>The timer's aggregation of every asset (stale detection and breaker settling without new reports).</summary>
    public async Task TickAllAsync(CancellationToken cancellationToken)
    {
        foreach (var asset in assets.Assets)
        {
            if (assets.TryGet(asset, out var oracle))
            {
                await oracle.DecideAsync(state => OracleAsset.Tick(state, oracle.Parameters, books.Observe(oracle.Parameters.MarkMarkets), Now()), cancellationToken);
            }
        }
    }

    private long Now() => Nanos.From(time.GetUtcNow());

    private string UnknownAssetDetail(string asset) =>
        $"asset '{(asset.Length > 16 ? asset[..16] + "…" : asset)}' has no oracle here; known: {string.Join(", ", assets.Assets)}";

    private Task<Decided> RefuseUnlistedAsync(object refusal, CancellationToken cancellationToken) =>
        assets.Unlisted.DecideAsync(_ => [refusal], cancellationToken);
}
