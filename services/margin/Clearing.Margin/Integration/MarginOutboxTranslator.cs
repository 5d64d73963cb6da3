using Clearing.Contracts;
using Clearing.Contracts.Margin.V1;
using Clearing.EventSourcing;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Google.Protobuf;
using DomainBand = Clearing.Margin.Domain.Accounts.HealthBand;
using PublicBand = Clearing.Contracts.Margin.V1.HealthBand;

namespace Clearing.Margin.Integration;

/// <summary>
/// The edge between margin's stored events and its public topics: <see cref="RiskEventRecorded"/> →
/// clearing.margin.risk.v1 (key = account id), <see cref="LedgerEntryRecorded"/> → clearing.margin.ledger.v1 (key
/// "ledger", one partition, so the gap-free sequence arrives in order). Everything else is private.
/// </summary>
public sealed class MarginOutboxTranslator : IOutboxTranslator
{
    public const string LedgerKey = "ledger";

    public IReadOnlyCollection<string> Topics { get; } = [Clearing.Contracts.Topics.MarginRisk, Clearing.Contracts.Topics.MarginLedger];

    private const string RiskType = "margin.risk-event-recorded.v1";
    private const string LedgerType = "margin.ledger-entry-recorded.v1";

    /// <summary>Position changes and inbox markers, most of margin's store, stay unread by the relay.</summary>
    public EventTypeFilter StoredTypes { get; } = EventTypeFilter.Only(RiskType, LedgerType);

    public OutboundMessage? Translate(RecordedEvent recorded) => recorded.Type switch
    {
        RiskType => Risk(recorded, (RiskEventRecorded)MarginEventTypes.Serializer.Deserialize(recorded)),
        LedgerType => Ledger(recorded, (LedgerEntryRecorded)MarginEventTypes.Serializer.Deserialize(recorded)),
        _ => null,
    };

    private static OutboundMessage Risk(RecordedEvent recorded, RiskEventRecorded e) =>
        OutboxMessages.For(recorded, Clearing.Contracts.Topics.MarginRisk, e.AccountId, Clearing.Contracts.Topics.MarginRisk, ToProto(e).ToByteArray());

    private static OutboundMessage Ledger(RecordedEvent recorded, LedgerEntryRecorded e) =>
        OutboxMessages.For(recorded, Clearing.Contracts.Topics.MarginLedger, LedgerKey, Clearing.Contracts.Topics.MarginLedger, ToProto(e).ToByteArray());

    public static RiskEvent ToProto(RiskEventRecorded e)
    {
        var message = new RiskEvent
        {
            AccountId = e.AccountId,
            Sequence = e.Sequence,
            TimeUnixNanos = ContractText.UnixNanos(e.At),
            Risk = ToProto(e.Risk),
        };
        switch (e.Kind)
        {
            case RiskEventKind.HealthChanged:
                message.HealthChanged = new MarginHealthChanged { From = ToProto(e.From), To = ToProto(e.To), Health = ContractText.Text(e.Risk.Health) };
                break;
            case RiskEventKind.MarginCall:
                message.MarginCall = new MarginCall { WarningThreshold = ContractText.Text(e.WarningThreshold) };
                break;
            case RiskEventKind.LiquidationRequired:
                message.LiquidationRequired = new LiquidationRequired { Shortfall = ContractText.Text(e.Shortfall), ToRestoreInitial = ContractText.Text(e.ToRestoreInitial) };
                break;
            case RiskEventKind.Bankrupt:
                message.Bankrupt = new AccountBankrupt { Deficit = ContractText.Text(e.Deficit) };
                break;
            default:
                throw new InvalidOperationException($"risk event {e.AccountId}:{e.Sequence} has unknown kind {e.Kind}");
        }

        return message;
    }

    public static AccountRisk ToProto(AccountRiskSnapshot risk) => new()
    {
        Equity = ContractText.Text(risk.Equity),
        CollateralValue = ContractText.Text(risk.CollateralValue),
        UnrealizedPnl = ContractText.Text(risk.UnrealizedPnl),
        InitialRequirement = ContractText.Text(risk.InitialRequirement),
        MaintenanceRequirement = ContractText.Text(risk.MaintenanceRequirement),
        Health = ContractText.Text(risk.Health),
        Band = ToProto(risk.Band),
        Positions =
        {
            risk.Positions.Select(p => new PositionRisk
            {
                Market = p.Market,
                Size = ContractText.Text(p.Size),
                EntryPrice = ContractText.Text(p.EntryPrice),
                MarkPrice = ContractText.Text(p.MarkPrice),
                UnrealizedPnl = ContractText.Text(p.UnrealizedPnl),
                Isolated = p.Isolated,
                IsolatedCollateral = ContractText.Text(p.IsolatedCollateral),
                MaintenanceRequirement = ContractText.Text(p.MaintenanceRequirement),
                InitialRequirement = ContractText.Text(p.InitialRequirement),
                BankruptcyPrice = ContractText.Text(p.BankruptcyPrice),
                LiquidationPrice = ContractText.Text(p.LiquidationPrice),
            }),
        },
        Greeks =
        {
            risk.Greeks.Select(g => new GreeksByExpiry
            {
                Underlying = g.Underlying,
                ExpiryUnixNanos = g.Expiry is { } expiry ? ContractText.UnixNanos(expiry) : 0,
                Delta = (double)g.Delta,
                Gamma = (double)g.Gamma,
                Vega = (double)g.Vega,
                Theta = (double)g.Theta,
            }),
        },
        TriggerAsset = risk.TriggerAsset,
        TriggerPriceSequence = risk.TriggerPriceSequence,
        AvailableMargin = ContractText.Text(risk.AvailableMargin),
        EquityForNewRisk = ContractText.Text(risk.EquityForNewRisk),
    };

    public static LedgerEntry ToProto(LedgerEntryRecorded e) => new()
    {
        EntryId = e.EntryId,
        Sequence = e.Sequence,
        TimeUnixNanos = ContractText.UnixNanos(e.At),
        Kind = (LedgerEntryKind)(int)e.Kind,
        Postings = { e.Postings.Select(p => new Contracts.Margin.V1.Posting { AccountId = p.AccountId, Asset = p.Asset, Amount = ContractText.Text(p.Amount) }) },
        Reference = e.Reference,
        Market = e.Market,
        AccountId = e.AccountId,
        SourceStream = e.SourceStream,
        SourceVersion = e.SourceVersion,
    };

    public static PublicBand ToProto(DomainBand band) => (PublicBand)(int)band;
}
