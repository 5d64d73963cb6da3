using Clearing.EventSourcing;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Domain.Vault;
using Clearing.Liquidation.Integration;
using Clearing.Messaging.Kafka.Outbox;

namespace Clearing.Cli.Commands.Replay.Liquidation;

/// <summary>
/// `clearing replay liquidation`: time travel over the four aggregates LiquidationEngine keeps — a liquidation case
/// (liquidation-{account}), the insurance fund (insurance-fund), a market's positions and open interest
/// (positions-{market}) and the vault backstop (vaultbackstop-{vault}) — each folded with the domain's own Evolve
/// (LiquidationProcess, InsuranceFund, PositionBook, VaultBackstop) and decoded by the host's LiquidationJsonContext,
/// shown as the service snapshots it. Republishing goes through the service's LiquidationOutboxTranslator. No read model
/// to rebuild: liquidation keeps no state-store projection, only these streams.
/// </summary>
internal sealed class LiquidationReplayModule : FoldingReplayModule
{
    private static readonly EventSerializer Serializer = LiquidationJsonContext.Serializer;

    public override string Service => "liquidation";

    public override IOutboxTranslator? Translator { get; } = new LiquidationOutboxTranslator();

    protected override IReadOnlyList<StreamFold> Folds { get; } =
    [
        StreamFold.Aggregate($"{LiquidationEngine.FundCategory}-{LiquidationEngine.FundId}",
            stream => stream == StreamName.For(LiquidationEngine.FundCategory, LiquidationEngine.FundId),
            new AggregateDefinition<InsuranceFundState>(LiquidationEngine.FundCategory, new InsuranceFundState(), InsuranceFund.Evolve), Serializer),
        // The engine's definitions start unnamed and name the state when it decides (LiquidationEngine.Account/Book): the
        // fold names it from the stream id at the start instead, so the operator sees whose state it is.
        StreamFold.Aggregate($"{LiquidationEngine.AccountCategory}-{{account}}", StreamFold.InCategory(LiquidationEngine.AccountCategory),
            stream => new AggregateDefinition<LiquidationAccount>(LiquidationEngine.AccountCategory,
                LiquidationAccount.Empty(IdOf(LiquidationEngine.AccountCategory, stream)), LiquidationProcess.Evolve), Serializer),
        StreamFold.Aggregate($"{LiquidationEngine.PositionsCategory}-{{market}}", StreamFold.InCategory(LiquidationEngine.PositionsCategory),
            stream => new AggregateDefinition<PositionBookState>(LiquidationEngine.PositionsCategory,
                PositionBookState.Empty(IdOf(LiquidationEngine.PositionsCategory, stream)), PositionBook.Evolve), Serializer),
        StreamFold.Aggregate($"{LiquidationEngine.VaultBackstopCategory}-{{vault}}", StreamFold.InCategory(LiquidationEngine.VaultBackstopCategory),
            new AggregateDefinition<VaultBackstopState>(LiquidationEngine.VaultBackstopCategory, new VaultBackstopState(), VaultBackstop.Evolve), Serializer),
    ];

    private static string IdOf(string category, string stream) => stream[(category.Length + 1)..];
}
