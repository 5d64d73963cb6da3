using System.Globalization;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
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

    /// <summary>A fill as settlement stores it for the fee tiers: notional = price × quantity, exact.</summary>
    public static FillVolumeRecorded ToFillVolume(string market, long timeUnixNanos, Fill fill, KafkaMessageMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(fill);
        ArgumentNullException.ThrowIfNull(metadata);
        var notional = Decimal(fill.Price, "price", fill.FillId) * Decimal(fill.Quantity, "quantity", fill.FillId);
        return new FillVolumeRecorded(market, fill.FillId, timeUnixNanos, fill.TakerAccountId, fill.MakerAccountId, Math.Abs(notional), metadata.SourceStream, metadata.SourceSequence);
    }

    public static bool IsOk(PriceUpdate update) => update.Status == PriceStatus.Ok;

    private static decimal Decimal(string text, string field, string fillId) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"fill {fillId}: {field} '{text}' is not a plain decimal");
}

/// <summary>Consumes clearing.margin.ledger.v1; the inbox lives in the ledger's own state (LedgerProcessor).</summary>
public sealed class LedgerEntryHandler(LedgerProcessor ledger)
{
    public Task HandleAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken) =>
        ledger.ReceiveAsync(LedgerGateway.ToReceived(message.Payload, message.Metadata), cancellationToken);

    /// <summary>A run of consumed entries in one lock and one store append (<see cref="LedgerProcessor.ReceiveManyAsync"/>).</summary>
    public Task HandleBatchAsync(IReadOnlyList<KafkaInboundMessage<LedgerEntry>> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return ledger.ReceiveManyAsync([.. messages.Select(m => LedgerGateway.ToReceived(m.Payload, m.Metadata))], cancellationToken);
    }
}

/// <summary>Consumes clearing.matching.events.v1 for the 30-day volumes behind the fee tiers; other matching events are not settlement's.</summary>
public sealed class FillVolumeHandler(LedgerProcessor ledger)
{
    public Task HandleAsync(KafkaInboundMessage<MatchingEvent> message, CancellationToken cancellationToken) =>
        message.Payload.EventCase == MatchingEvent.EventOneofCase.Fill
            ? ledger.ReceiveFillAsync(LedgerGateway.ToFillVolume(message.Payload.Market, message.Payload.TimeUnixNanos, message.Payload.Fill, message.Metadata), cancellationToken)
            : Task.CompletedTask;

    /// <summary>
    /// A run of matching events: its fills in one lock and one store append (<see cref="LedgerProcessor.ReceiveFillsAsync"/>);
    /// a run without fills costs no store access at all.
    /// </summary>
    public Task HandleBatchAsync(IReadOnlyList<KafkaInboundMessage<MatchingEvent>> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var fills = new List<FillVolumeRecorded>();
        foreach (var m in messages)
        {
            if (m.Payload.EventCase == MatchingEvent.EventOneofCase.Fill)
            {
                fills.Add(LedgerGateway.ToFillVolume(m.Payload.Market, m.Payload.TimeUnixNanos, m.Payload.Fill, m.Metadata));
            }
        }

        return fills.Count == 0 ? Task.CompletedTask : ledger.ReceiveFillsAsync(fills, cancellationToken);
    }
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
