using Clearing.Contracts.Oracle.V1;
using Clearing.OracleIngest.Application;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Reports;
using Clearing.OracleIngest.Options;
using Grpc.Core;
using Clearing.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Clearing.OracleIngest.Grpc;

/// <summary>
/// clearing.oracle.v1.PricePublisher: the publishers' client stream. Two locks: the connection must be a Service caller
/// (a publisher is onboarded with a client certificate from the cluster CA, or comes through its Dapr sidecar), so no
/// stranger can make the service store anything; and each report must carry its publisher's Ed25519 signature, checked
/// against the registry, so a connection cannot speak for a publisher whose key it does not hold. A refused report is
/// stored as evidence, never trusted, and a stream is ended after
/// <see cref="OracleIngestOptions.MaxConsecutiveRefusalsPerStream"/> refusals in a row (a broken or hostile publisher).
/// </summary>
[Callers(Caller.Service)]
public sealed class PricePublisherGrpcService(OracleIngestion ingestion, IOptions<OracleIngestOptions> options) : PricePublisher.PricePublisherBase
{
    private const int MaxRefusalsReported = 100;

    public override async Task<PublishSummary> Publish(IAsyncStreamReader<PublisherMessage> requestStream, ServerCallContext context)
    {
        var summary = new PublishSummary();
        var consecutiveRefusals = 0;
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var decided = message.ReportCase switch
            {
                PublisherMessage.ReportOneofCase.Price => await ingestion.ReceivePriceAsync(ToDomain(message.Price), ReportOrigin.PublisherStream, context.CancellationToken),
                PublisherMessage.ReportOneofCase.Vol => await ingestion.ReceiveVolAsync(ToDomain(message.Vol), ReportOrigin.PublisherStream, context.CancellationToken),
                _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "a publisher message must carry a price or a vol report")),
            };

            var refusal = decided.Events.Count > 0 ? Refusal(decided.Events[0]) : null;
            if (refusal is null)
            {
                summary.Accepted++;
                consecutiveRefusals = 0;
                continue;
            }

            summary.Refused++;
            if (summary.Refusals.Count < MaxRefusalsReported)
            {
                summary.Refusals.Add(refusal);
            }

            if (++consecutiveRefusals >= options.Value.MaxConsecutiveRefusalsPerStream)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied,
                    $"{consecutiveRefusals} reports in a row were refused (last: {refusal.Reason}: {refusal.Detail}); the stream is closed, every refusal is stored"));
            }
        }

        return summary;
    }

    private static ReportRefusal? Refusal(object first) => first switch
    {
        ReportRefused r => new ReportRefusal { PublisherId = r.Publisher, Asset = r.Asset, Sequence = r.Sequence, Reason = r.Reason, Detail = r.Detail },
        VolReportRefused r => new ReportRefusal { PublisherId = r.Publisher, Asset = r.Asset, Sequence = r.Sequence, Reason = r.Reason, Detail = r.Detail },
        _ => null,
    };

    public static PriceReport ToDomain(SignedPriceReport r) =>
        new(r.PublisherId, r.Asset, r.Price, r.Confidence, r.PublishTimeUnixNanos, r.Sequence, r.Signature.ToByteArray());

    public static VolReport ToDomain(SignedVolReport r) =>
        new(r.PublisherId, r.Asset, r.ExpiryUnixNanos, r.Forward, r.Points.Select(p => new Domain.Reports.VolPoint(p.Strike, p.ImpliedVol)).ToList(),
            r.PublishTimeUnixNanos, r.Sequence, r.Signature.ToByteArray());
}
