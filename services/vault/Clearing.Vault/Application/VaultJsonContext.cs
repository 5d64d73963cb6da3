using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Application;

/// <summary>Stored events and the snapshot state, serialized without reflection (DESIGN.md §4).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(VaultDeposited))]
[JsonSerializable(typeof(DepositReturned))]
[JsonSerializable(typeof(WithdrawalRequested))]
[JsonSerializable(typeof(WithdrawalCancelled))]
[JsonSerializable(typeof(WithdrawalDeferred))]
[JsonSerializable(typeof(WithdrawalPaid))]
[JsonSerializable(typeof(VaultFilled))]
[JsonSerializable(typeof(VaultFeesPaid))]
[JsonSerializable(typeof(FeeShareAccrued))]
[JsonSerializable(typeof(FeeIncomeBooked))]
[JsonSerializable(typeof(FundingBooked))]
[JsonSerializable(typeof(LiquidationFeePaid))]
[JsonSerializable(typeof(ExpirySettled))]
[JsonSerializable(typeof(PositionForceClosed))]
[JsonSerializable(typeof(DeficitCovered))]
[JsonSerializable(typeof(BackstopTakenOver))]
[JsonSerializable(typeof(NavStruck))]
[JsonSerializable(typeof(VaultState))]
public sealed partial class VaultJsonContext : JsonSerializerContext
{
    private static EventSerializer? _serializer;

    public static EventSerializer Serializer => _serializer ??= new(
        VaultEventTypes.All.Aggregate(new EventTypeMap(), (map, type) => map.Register(type)),
        new JsonSerializerOptions(Default.Options));
}
