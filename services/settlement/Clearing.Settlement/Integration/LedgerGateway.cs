using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Messaging.Kafka;
using Clearing.Settlement.Application;

namespace Clearing.Settlement.Integration;

/// <summary>The edge between the public contracts settlement reads and its own stored events (DESIGN §4).</summary>
public static class LedgerGateway
{
    public static LedgerEntryReceived ToReceived(LedgerEntry entry, KafkaMessageMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(metadata);
        return new LedgerEntryReceived(
            entry.EntryId,
            entry.Sequence,
            entry.TimeUnixNanos,
            (int)entry.Kind,
            [.. entry.Postings.Select(p => new StoredPosting(p.AccountId, p.Asset, p.Amount))],
            entry.Reference,
            entry.Market,
            metadata.SourceStream,
            metadata.SourceSequence);
    }

    public static bool IsOk(PriceUpdate update) => update.Status == PriceStatus.Ok;
}

/// <summary>Consumes clearing.margin.ledger.v1; the inbox lives in the ledger's own state (LedgerProcessor).</summary>
public sealed class LedgerEntryHandler(LedgerProcessor ledger)
{
    public Task HandleAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken) =>
        ledger.ReceiveAsync(LedgerGateway.ToReceived(message.Payload, message.Metadata), cancellationToken);
}

/// <summary>Consumes clearing.oracle.prices.v1 for the settlement windows; the inbox is each instrument's aggregate.</summary>
public sealed class PriceUpdateHandler(ExpiryProcessor expiry)
{
    public Task HandleAsync(KafkaInboundMessage<PriceUpdate> message, CancellationToken cancellationToken)
    {
        var u = message.Payload;
        return expiry.ObserveAsync(u.Asset, u.Sequence, u.TimeUnixNanos, LedgerGateway.IsOk(u), u.IndexPrice, message.Metadata.SourceStream, message.Metadata.SourceSequence, cancellationToken);
    }
}
