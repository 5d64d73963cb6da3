using Clearing.Contracts;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Domain.Process;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Google.Protobuf;
using static Clearing.Liquidation.Integration.ContractText;

namespace Clearing.Liquidation.Integration;

/// <summary>
/// The edge from liquidation's stored events to its public contracts: liquidation orders and cancels to
/// clearing.orders.commands.v1 (key = market, origin LIQUIDATION), everything margin and operators must know to
/// clearing.liquidation.events.v1 (key = account; "insurance-fund" for the fund; market for the open-interest cap).
/// </summary>
public sealed class LiquidationOutboxTranslator : IOutboxTranslator
{
    public const string FundKey = "insurance-fund";

    public IReadOnlyCollection<string> Topics { get; } = [Clearing.Contracts.Topics.OrderCommands, Clearing.Contracts.Topics.LiquidationEvents];

    /// <summary>The fill applied to each market's positions, one per fill and most of liquidation's store, stays unread by the relay.</summary>
    public EventTypeFilter StoredTypes { get; } = EventTypeFilter.Except(EventTypeName.Of<PositionFillApplied>());

    public OutboundMessage? Translate(RecordedEvent recorded)
    {
        var category = recorded.Category;
        if (category is not (LiquidationEngine.AccountCategory or LiquidationEngine.FundCategory or LiquidationEngine.PositionsCategory))
        {
            return null;
        }

        var @event = LiquidationJsonContext.Serializer.Deserialize(recorded);
        return @event switch
        {
            OpenOrdersCancelled e => Command(recorded, new OrderCommand
            {
                CommandId = e.CommandId, Market = e.Market, AccountId = e.AccountId, TimeUnixNanos = Nanos(e.At), Origin = Origin.Liquidation,
                CancelAll = new CancelAll(),
            }),
            SlicePlaced e => Command(recorded, new OrderCommand
            {
                CommandId = e.CommandId, Market = e.Market, AccountId = e.AccountId, TimeUnixNanos = Nanos(e.At), Origin = Origin.Liquidation,
                Place = new PlaceOrder
                {
                    OrderId = e.OrderId, Side = SideOf(e.Side), Kind = OrderKind.Limit, Price = Of(e.LimitPrice), Quantity = Of(e.Quantity),
                    TimeInForce = TimeInForce.Ioc, ReduceOnly = true,
                },
            }),
            Domain.Process.LiquidationStarted e => Event(recorded, e.AccountId, e.LiquidationId, e.At, l => l.Started = new Contracts.Liquidation.V1.LiquidationStarted
            {
                Market = e.Market, PositionSize = Of(e.PositionSize), MarkPrice = Of(e.MarkPrice), BankruptcyPrice = Of(e.BankruptcyPrice), Equity = Of(e.Equity),
                MaintenanceRequirement = Of(e.MaintenanceRequirement), Reason = e.Reason, TargetSize = Of(e.Target), SliceCap = Of(e.SliceCap),
                EntryPrice = Of(e.EntryPrice), Bankrupt = e.Bankrupt,
            }),
            Domain.Process.SliceFilled e => Event(recorded, e.AccountId, e.LiquidationId, e.At, l => l.SliceFilled = new Contracts.Liquidation.V1.SliceFilled
            {
                Market = e.Market, OrderId = e.OrderId, Quantity = Of(e.Quantity), Price = Of(e.Price), RemainingPosition = Of(e.RemainingPosition),
                LiquidationFee = Of(e.LiquidationFee), FillId = e.FillId, Side = SideOf(e.Side),
            }),
            Domain.Process.TransferredToFund e => Event(recorded, e.AccountId, e.LiquidationId, e.At, l => l.TransferredToFund = new Contracts.Liquidation.V1.TransferredToFund
            {
                Market = e.Market, Size = Of(e.Size), BankruptcyPrice = Of(e.BankruptcyPrice), LossCovered = Of(e.LossCovered), FundBalanceAfter = Of(e.FundBalanceAfter),
                FundAccountId = e.FundAccountId, Side = SideOf(e.Side), MarkPrice = Of(e.MarkPrice), FundChange = Of(e.FundChange), Reason = e.Reason,
            }),
            Domain.Process.TransferredToVault e => Event(recorded, e.AccountId, e.LiquidationId, e.At, l => l.TransferredToVault = new Contracts.Liquidation.V1.TransferredToVault
            {
                VaultId = e.VaultId, Market = e.Market, Size = Of(e.Size), BankruptcyPrice = Of(e.BankruptcyPrice), VaultAccountId = e.VaultAccountId,
                Side = SideOf(e.Side), MarkPrice = Of(e.MarkPrice), LossTaken = Of(e.LossTaken), MarketLossLeft = Of(e.MarketLossLeft),
                DailyLossLeft = Of(e.DailyLossLeft), Reason = e.Reason,
            }),
            Domain.Process.AdlExecuted e => Event(recorded, e.AccountId, e.LiquidationId, e.At, l => l.AdlExecuted = new Contracts.Liquidation.V1.AdlExecuted
            {
                Market = e.Market, CounterpartyAccountId = e.CounterpartyAccountId, Size = Of(e.Size), Price = Of(e.Price), RankScore = Of(e.RankScore), Reason = e.Reason,
                Side = SideOf(e.Side), MarkPrice = Of(e.MarkPrice), CounterpartySizeBefore = Of(e.CounterpartySizeBefore), Rank = e.Rank, Profit = Of(e.Profit),
                Leverage = Of(e.Leverage), LossAbsorbed = Of(e.LossAbsorbed),
            }),
            Domain.Process.LiquidationCompleted e => Event(recorded, e.AccountId, e.LiquidationId, e.At, l => l.Completed = new Contracts.Liquidation.V1.LiquidationCompleted
            {
                Market = e.Market, ClosedInBook = Of(e.ClosedInBook), TakenByFund = Of(e.TakenByFund), Deleveraged = Of(e.Deleveraged), UncoveredLoss = Of(e.UncoveredLoss),
                UncoveredSize = Of(e.UncoveredSize), LiquidationFees = Of(e.LiquidationFees), Last = e.Last, TakenByVault = Of(e.TakenByVault),
                FillsThrough = { (e.FillsThrough ?? new Dictionary<string, long>()).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) },
            }),
            FundFeeCollected e => FundChanged(recorded, e.At, e.Change, e.BalanceAfter, $"liquidation fee of {e.AccountId} ({e.OrderId})", e.Market, e.AccountId, e.LiquidationId),
            FundTakeoverBooked e => FundChanged(recorded, e.At, e.Change, e.BalanceAfter,
                $"took over {Of(e.Size)} {e.Market} of {e.AccountId} at bankruptcy price {Of(e.BankruptcyPrice)}, marked at {Of(e.MarkPrice)}", e.Market, e.AccountId, e.LiquidationId),
            FundDeposited e => FundChanged(recorded, e.At, e.Change, e.BalanceAfter, $"deposit {e.Reference} by {e.By}: {e.Reason}", string.Empty, string.Empty, string.Empty),
            WithdrawalsPauseChanged e => Event(recorded, FundKey, string.Empty, e.At, l => l.WithdrawalsPaused = new WithdrawalsPaused
            {
                Asset = e.Asset, Paused = e.Paused, BankruptAccounts = { e.BankruptAccounts }, UncoveredLoss = Of(e.UncoveredLoss), Reason = e.Reason,
            }, key: FundKey),
            Domain.Positions.OpenInterestCapChanged e => Event(recorded, e.Market, string.Empty, e.At, l => l.OpenInterestCapChanged = new Contracts.Liquidation.V1.OpenInterestCapChanged
            {
                Market = e.Market, OpenInterest = Of(e.OpenInterest), Cap = Of(e.Cap), Capped = e.Capped,
            }, key: e.Market),
            _ => null,
        };
    }

    private static Side SideOf(CloseSide side) => side == CloseSide.Sell ? Side.Sell : Side.Buy;

    private static OutboundMessage Command(RecordedEvent recorded, OrderCommand command) =>
        OutboxMessages.For(recorded, Clearing.Contracts.Topics.OrderCommands, command.Market, "clearing.orders.command.v1", command.ToByteArray());

    private static OutboundMessage FundChanged(RecordedEvent recorded, DateTimeOffset at, decimal change, decimal balance, string reason, string market, string account, string liquidationId) =>
        Event(recorded, LiquidationProcess.FundAccountId, liquidationId, at, l => l.FundChanged = new InsuranceFundChanged
        {
            Asset = InsuranceFund.DefaultAsset, Balance = Of(balance), Change = Of(change), Reason = reason, Market = market, LiquidatedAccountId = account,
            LiquidationId = liquidationId,
        }, key: FundKey);

    private static OutboundMessage Event(RecordedEvent recorded, string accountId, string liquidationId, DateTimeOffset at, Action<LiquidationEvent> set, string? key = null)
    {
        var message = new LiquidationEvent
        {
            AccountId = accountId,
            LiquidationId = liquidationId,
            Sequence = recorded.StreamVersion,
            TimeUnixNanos = Nanos(at),
        };
        set(message);
        return OutboxMessages.For(recorded, Clearing.Contracts.Topics.LiquidationEvents, key ?? accountId, $"clearing.liquidation.{message.EventCase.ToString().ToLowerInvariant()}.v1", message.ToByteArray());
    }
}
