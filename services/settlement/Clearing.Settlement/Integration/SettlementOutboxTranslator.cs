using Clearing.Contracts;
using Clearing.Contracts.Settlement.V1;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Settlement.Application;
using Google.Protobuf;

namespace Clearing.Settlement.Integration;

/// <summary>
/// Private stored events → clearing.settlement.events.v1. Keys: the instrument for a fixing (so margin and matching
/// see an instrument's events in order), "epoch" for epoch closes and fee distributions. The message's sequence is the
/// event's global store position: increasing per key, which is all a consumer's order needs.
/// </summary>
public sealed class SettlementOutboxTranslator : IOutboxTranslator
{
    public const string EpochKey = "epoch";

    public IReadOnlyCollection<string> Topics { get; } = [Clearing.Contracts.Topics.SettlementEvents];

    private const string PriceFixedType = "settlement.price-fixed.v1";
    private const string EpochClosedType = "settlement.epoch-asset-closed.v1";
    private const string FeesType = "settlement.fees-distributed.v1";

    /// <summary>The epoch's inputs (every ledger entry and fill volume it receives) stay unread by the relay.</summary>
    public EventTypeFilter StoredTypes { get; } = EventTypeFilter.Only(PriceFixedType, EpochClosedType, FeesType);

    public OutboundMessage? Translate(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return recorded.Type switch
        {
            PriceFixedType => PriceFixed(recorded, (SettlementPriceFixedRecorded)SettlementSerialization.Serializer.Deserialize(recorded)),
            EpochClosedType => EpochClosed(recorded, (EpochAssetClosed)SettlementSerialization.Serializer.Deserialize(recorded)),
            FeesType => Fees(recorded, (FeesDistributedRecorded)SettlementSerialization.Serializer.Deserialize(recorded)),
            _ => null,
        };
    }

    private static OutboundMessage PriceFixed(RecordedEvent recorded, SettlementPriceFixedRecorded f) => Message(recorded, f.Market, "clearing.settlement.price-fixed.v1", new SettlementEvent
    {
        Key = f.Market,
        Sequence = recorded.GlobalPosition,
        TimeUnixNanos = f.AtUnixNanos,
        PriceFixed = new SettlementPriceFixed
        {
            Market = f.Market,
            SettlementPrice = Text(f.Price),
            WindowStartUnixNanos = f.WindowStartUnixNanos,
            WindowEndUnixNanos = f.WindowEndUnixNanos,
            Samples = f.Samples,
        },
    });

    private static OutboundMessage EpochClosed(RecordedEvent recorded, EpochAssetClosed c) => Message(recorded, EpochKey, "clearing.settlement.epoch-closed.v1", new SettlementEvent
    {
        Key = EpochKey,
        Sequence = recorded.GlobalPosition,
        TimeUnixNanos = c.EndUnixNanos,
        EpochClosed = new EpochClosed
        {
            Epoch = c.Epoch,
            StartUnixNanos = c.StartUnixNanos,
            EndUnixNanos = c.EndUnixNanos,
            RootHash = c.RootHash,
            TotalLiabilities = Text(c.TotalLiabilities),
            Asset = c.Asset,
            Accounts = c.Accounts,
            LastLedgerSequence = c.LastLedgerSequence,
            TotalDeficits = Text(c.TotalDeficits),
            DeficitAccounts = c.DeficitAccounts,
            FirstLedgerSequence = c.FirstLedgerSequence,
            RejectedEntries = c.RejectedEntries,
        },
    });

    private static OutboundMessage Fees(RecordedEvent recorded, FeesDistributedRecorded f) => Message(recorded, EpochKey, "clearing.settlement.fees-distributed.v1", new SettlementEvent
    {
        Key = EpochKey,
        Sequence = recorded.GlobalPosition,
        TimeUnixNanos = f.AtUnixNanos,
        FeesDistributed = new FeesDistributed
        {
            Epoch = f.Epoch,
            Asset = f.Asset,
            Amount = Text(f.Amount),
            Shares = { f.Shares.Select(s => new Share { AccountId = s.AccountId, Amount = Text(s.Amount) }) },
            PaidFromAccountId = f.PaidFrom ?? Domain.Ledger.LedgerAccounts.FeePool,
            Reference = f.Reference,
        },
    });

    private static OutboundMessage Message(RecordedEvent recorded, string key, string type, SettlementEvent payload) =>
        OutboxMessages.For(recorded, Clearing.Contracts.Topics.SettlementEvents, key: key, type: type, payload: payload.ToByteArray());

    /// <summary>Canonical decimal text (no trailing zeros): "60005", not "60005.0" from a 0.5 tick.</summary>
    private static string Text(decimal value) => Domain.Proofs.ProofHashing.CanonicalText(value);
}
