using Clearing.Contracts.Margin.V1;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Process;
using Clearing.Messaging.Kafka;

namespace Clearing.Liquidation.Integration;

/// <summary>Reads clearing.margin.risk.v1: LiquidationRequired and AccountBankrupt drive liquidations; every event's equity feeds ADL ranking.</summary>
public sealed class RiskEventGateway(LiquidationEngine engine)
{
    public Task HandleAsync(KafkaInboundMessage<RiskEvent> message, CancellationToken cancellationToken) =>
        engine.HandleRiskAsync(ToInput(message.Payload, new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence)), cancellationToken);

    public static RiskInput ToInput(RiskEvent e, MessageSource source)
    {
        if (string.IsNullOrWhiteSpace(e.AccountId))
        {
            throw new FormatException("RiskEvent.account_id is empty");
        }

        var risk = e.Risk ?? throw new FormatException($"RiskEvent {e.AccountId}:{e.Sequence} has no AccountRisk");
        var kind = e.EventCase switch
        {
            RiskEvent.EventOneofCase.LiquidationRequired => RiskKind.LiquidationRequired,
            RiskEvent.EventOneofCase.Bankrupt => RiskKind.Bankrupt,
            RiskEvent.EventOneofCase.MarginCall => RiskKind.MarginCall,
            _ => RiskKind.HealthChanged,
        };
        var positions = risk.Positions.Select(p => new PositionRiskInput(
            p.Market,
            ContractText.Required(p.Size, $"{p.Market} size"),
            ContractText.Optional(p.EntryPrice, $"{p.Market} entry_price"),
            ContractText.Required(p.MarkPrice, $"{p.Market} mark_price"),
            ContractText.Optional(p.MaintenanceRequirement, $"{p.Market} maintenance_requirement"),
            ContractText.Optional(p.BankruptcyPrice, $"{p.Market} bankruptcy_price"))).ToList();
        return new RiskInput(
            e.AccountId,
            kind,
            ContractText.Time(e.TimeUnixNanos),
            ContractText.Required(risk.Equity, "equity"),
            ContractText.Optional(risk.InitialRequirement, "initial_requirement"),
            ContractText.Optional(risk.MaintenanceRequirement, "maintenance_requirement"),
            kind == RiskKind.LiquidationRequired ? ContractText.Optional(e.LiquidationRequired.ToRestoreInitial, "to_restore_initial") : 0m,
            positions,
            source);
    }
}
