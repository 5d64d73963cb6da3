using System.Globalization;
using Clearing.Contracts.Oracle.V1;
using Clearing.OracleIngest.Domain.Reports;
using Google.Protobuf;
using Grpc.Core;
using NSec.Cryptography;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>
/// One oracle publisher pushing signed price reports over its client stream. Sequence numbers are the publish time in
/// milliseconds, so they stay increasing across runs over the same stack (a resumed stack remembers the last one).
/// </summary>
/// <remarks>
/// The stream itself is a service-to-service connection (publishers are onboarded like in-cluster callers); on the
/// local stack the dev keyring's service token stands in for that identity, presented as a Dapr sidecar would.
/// </remarks>
internal sealed class PublisherClient(string publisherId, Key key, PricePublisher.PricePublisherClient oracle, string serviceToken) : IAsyncDisposable
{
    private AsyncClientStreamingCall<PublisherMessage, PublishSummary>? _stream;
    private long _lastSequence;

    public string PublisherId => publisherId;

    public PublishSummary? Summary { get; private set; }

    public async Task PublishAsync(string asset, decimal price, CancellationToken cancellationToken)
    {
        // The call outlives the publishing loop's token: stopping the loop must still close the stream and read its summary.
        _stream ??= oracle.Publish(new Metadata { { "dapr-api-token", serviceToken }, { "dapr-caller-app-id", "clearing-simulate" } }, cancellationToken: CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var sequence = Math.Max(now.ToUnixTimeMilliseconds(), _lastSequence + 1);
        _lastSequence = sequence;
        var text = decimal.Round(price, 2).ToString(CultureInfo.InvariantCulture);
        var confidence = decimal.Round(price * 0.0002m, 2).ToString(CultureInfo.InvariantCulture);
        var report = ReportSigning.Sign(new PriceReport(publisherId, asset, text, confidence, now.ToUnixTimeMilliseconds() * 1_000_000, sequence, []), key);
        // Not cancelled by the loop's token either: a write cut short by the stop cancels the whole call, and closing
        // it then fails with "Call canceled by the client" (seen under load) instead of reading the summary.
        cancellationToken.ThrowIfCancellationRequested();
        await _stream.RequestStream.WriteAsync(new PublisherMessage
        {
            Price = new SignedPriceReport
            {
                PublisherId = publisherId,
                Asset = asset,
                Price = text,
                Confidence = confidence,
                PublishTimeUnixNanos = report.PublishTimeUnixNanos,
                Sequence = sequence,
                Signature = ByteString.CopyFrom(report.Signature),
            },
        }, CancellationToken.None);
    }

    /// <summary>Closes the stream and keeps the service's summary (accepted, refused and why).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stream is null)
        {
            return;
        }
        try
        {
            await _stream.RequestStream.CompleteAsync();
            Summary = await _stream.ResponseAsync;
        }
        finally
        {
            _stream.Dispose();
        }
    }
}
