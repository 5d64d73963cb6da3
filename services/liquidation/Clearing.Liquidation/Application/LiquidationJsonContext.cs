using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Domain.Process;

namespace Clearing.Liquidation.Application;

/// <summary>Stored events and snapshot states, serialized without reflection (DESIGN.md §4).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LiquidationStarted))]
[JsonSerializable(typeof(LiquidationRiskRefreshed))]
[JsonSerializable(typeof(OpenOrdersCancelled))]
[JsonSerializable(typeof(SlicePlaced))]
[JsonSerializable(typeof(SliceFilled))]
[JsonSerializable(typeof(SliceEnded))]
[JsonSerializable(typeof(TransferredToFund))]
[JsonSerializable(typeof(TransferredToVault))]
[JsonSerializable(typeof(Clearing.Liquidation.Domain.Vault.VaultBackstopLossBooked))]
[JsonSerializable(typeof(Clearing.Liquidation.Domain.Vault.VaultBackstopState))]
[JsonSerializable(typeof(AdlExecuted))]
[JsonSerializable(typeof(LiquidationCompleted))]
[JsonSerializable(typeof(FundFeeCollected))]
[JsonSerializable(typeof(FundTakeoverBooked))]
[JsonSerializable(typeof(FundDeposited))]
[JsonSerializable(typeof(FundBankruptcyOpened))]
[JsonSerializable(typeof(FundBankruptcyClosed))]
[JsonSerializable(typeof(FundUncoveredLossRecorded))]
[JsonSerializable(typeof(WithdrawalsPauseChanged))]
[JsonSerializable(typeof(PositionFillApplied))]
[JsonSerializable(typeof(PositionTransferApplied))]
[JsonSerializable(typeof(AccountEquityObserved))]
[JsonSerializable(typeof(OpenInterestCapChanged))]
[JsonSerializable(typeof(LiquidationAccount))]
[JsonSerializable(typeof(InsuranceFundState))]
[JsonSerializable(typeof(PositionBookState))]
public sealed partial class LiquidationJsonContext : JsonSerializerContext
{
    // Lazy: the generated Default is itself a static of this class, not yet set while field initializers run.
    private static EventSerializer? _serializer;

    public static EventSerializer Serializer => _serializer ??= new(
        LiquidationEventTypes.All.Concat(InsuranceFundEventTypes.All).Concat(PositionBookEventTypes.All).Concat(Clearing.Liquidation.Domain.Vault.VaultBackstopEventTypes.All)
            .Aggregate(new EventTypeMap(), (map, type) => map.Register(type)),
        new JsonSerializerOptions(Default.Options));
}
