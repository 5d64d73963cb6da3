using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Settlement.Application;
using Clearing.Settlement.Domain.Expiry;
using Clearing.Settlement.Integration;

namespace Clearing.Cli.Commands.Replay.Settlement;

/// <summary>
/// `clearing replay settlement`: time travel over an instrument's expiry (settlement-{instrument}): the index
/// observations of its settlement window, and the price once fixed (or the fixing failed), folded with the host's
/// ExpiryProcessor.Evolve over the host's stored events (SettlementSerialization). Republishing goes through the
/// service's SettlementOutboxTranslator.
/// The epoch streams (epoch-{n}) are not folded one by one: LedgerProcessor folds the ledger across every epoch stream
/// in store order (an epoch's book starts from the previous one's), so one epoch stream alone is no state; time travel
/// lists its events instead. No read model to rebuild: settlement keeps its state in these streams.
/// </summary>
internal sealed class SettlementReplayModule : FoldingReplayModule
{
    public override string Service => "settlement";

    public override IOutboxTranslator? Translator { get; } = new SettlementOutboxTranslator();

    protected override IReadOnlyList<StreamFold> Folds { get; } =
    [
        StreamFold.Aggregate($"{ExpiryProcessor.Category}-{{instrument}}", StreamFold.InCategory(ExpiryProcessor.Category),
            new AggregateDefinition<InstrumentExpiry>(ExpiryProcessor.Category, InstrumentExpiry.Empty, ExpiryProcessor.Evolve), SettlementSerialization.Serializer),
    ];
}
