using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.Contracts.ReadModels;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Margin.Application;

/// <summary>Every event margin stores, under its stable type name, serialized with a source-generated JSON context.</summary>
public static class MarginEventTypes
{
    public const string AccountCategory = "account";

    public static EventTypeMap Map { get; } = new EventTypeMap()
        .Register<CollateralCredited>()
        .Register<Deposited>()
        .Register<Withdrawn>()
        .Register<SubAccountTransferred>()
        .Register<PositionChanged>()
        .Register<MoneyMoved>()
        .Register<RiskEventRecorded>()
        .Register<MessageApplied>()
        .Register<LedgerEntryRecorded>();

    public static JsonSerializerOptions Options { get; } = new(MarginJsonContext.Default.Options);

    public static EventSerializer Serializer { get; } = new(Map, Options);

    /// <summary>The account aggregate: stream "account-{owner}", snapshots every 200 events.</summary>
    public static AggregateDefinition<Account> AccountDefinition { get; } = new(AccountCategory, Account.Empty(""), AccountDecider.Evolve);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CollateralCredited))]
[JsonSerializable(typeof(Deposited))]
[JsonSerializable(typeof(Withdrawn))]
[JsonSerializable(typeof(SubAccountTransferred))]
[JsonSerializable(typeof(PositionChanged))]
[JsonSerializable(typeof(MoneyMoved))]
[JsonSerializable(typeof(RiskEventRecorded))]
[JsonSerializable(typeof(MessageApplied))]
[JsonSerializable(typeof(LedgerEntryRecorded))]
[JsonSerializable(typeof(Account))]
[JsonSerializable(typeof(AccountRiskView))]
internal sealed partial class MarginJsonContext : JsonSerializerContext;
