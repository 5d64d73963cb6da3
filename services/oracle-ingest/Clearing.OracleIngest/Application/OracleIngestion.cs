using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.OracleIngest.Domain.Reports;
using Clearing.OracleIngest.Integration;

namespace Clearing.OracleIngest.Application;

/// <summary>
/// Where every report enters, whichever way it came (publisher stream or feed adapter): routed by asset to its oracle,
/// decided there against the receiving clock read under the asset's lock, stored with the expected version. The
/// publishers and rules are those in force at that clock reading: governance's (<see cref="OracleParametersGateway"/>)
/// once the registry has a version in force, the configured ones before (or without a gateway).
/// </summary>
public sealed class OracleIngestion(OracleAssets assets, PublisherRegistry publishers, BookTops books, TimeProvider time, OracleParametersGateway? governed = null)
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
            state =>
            {
                var now = Now();
                var (registry, parameters) = InForce(now, oracle.Parameters);
                return OracleAsset.ReceivePrice(state, report, origin, registry, parameters, books.Observe(parameters.MarkMarkets), now);
            },
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

        return await oracle.DecideAsync(
            state =>
            {
                var now = Now();
                var (registry, parameters) = InForce(now, oracle.Parameters);
                return OracleAsset.ReceiveVol(state, report, origin, registry, parameters, now);
            },
            cancellationToken);
    }

    /// <summary>The timer's aggregation of every asset (stale detection and breaker settling without new reports).</summary>
    public async Task TickAllAsync(CancellationToken cancellationToken)
    {
        foreach (var asset in assets.Assets)
        {
            if (assets.TryGet(asset, out var oracle))
            {
                await oracle.DecideAsync(
                    state =>
                    {
                        var now = Now();
                        var (_, parameters) = InForce(now, oracle.Parameters);
                        return OracleAsset.Tick(state, parameters, books.Observe(parameters.MarkMarkets), now);
                    },
                    cancellationToken);
            }
        }
    }

    private long Now() => Nanos.From(time.GetUtcNow());

    private (PublisherRegistry Publishers, OracleParameters Parameters) InForce(long now, OracleParameters configured) =>
        governed?.At(now, configured) ?? (publishers, configured);

    private string UnknownAssetDetail(string asset) =>
        $"asset '{(asset.Length > 16 ? asset[..16] + "…" : asset)}' has no oracle here; known: {string.Join(", ", assets.Assets)}";

    private Task<Decided> RefuseUnlistedAsync(object refusal, CancellationToken cancellationToken) =>
        assets.Unlisted.DecideAsync(_ => [refusal], cancellationToken);
}
