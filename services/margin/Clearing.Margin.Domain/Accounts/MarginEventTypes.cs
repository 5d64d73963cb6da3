using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// Every event margin stores, under its stable type name, serialized with a source-generated JSON context. It lives in the
/// domain (pure: a type map and JSON options, no I/O) so ops tools such as `clearing replay`, `verify` and `stress` fold
/// margin's store exactly as the service does, without referencing the host.
/// </summary>
public static class MarginEventTypes
{
    public const string AccountCategory = "account";

    public static EventTypeMap Map { get; } = new EventTypeMap()
        .Register<CollateralCredited>()
        .Register<Deposited>()
        .Register<Withdrawn>()
        .Register<SubAccountTransferred>()
        .Register<VaultDepositBooked>()
        .Register<VaultPayoutBooked>()
        .Register<VaultTransferMirrored>()
        .Register<PositionChanged>()
        .Register<MoneyMoved>()
        .Register<RiskEventRecorded>()
        .Register<MessageApplied>()
        .Register<LiquidationRecheckDeferred>()
        .Register<LiquidationRechecked>()
        .Register<LedgerEntryRecorded>();

    /// <summary>
    /// The options every margin event is stored and read with: the source-generated context, with the events written and
    /// read on every fill (<see cref="PositionChanged"/>, <see cref="LedgerEntryRecorded"/>) going through
    /// <see cref="MarginFastJson"/>, which writes the same bytes.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(MarginEventJsonContext.Default.Options)
    {
        Converters = { new PositionChangedJsonConverter(), new LedgerEntryRecordedJsonConverter() },
    };

    /// <summary>The source-generated serializer alone: the reference <see cref="MarginFastJson"/> must match byte for byte (tests, benchmarks).</summary>
    public static JsonSerializerOptions GeneratedOptions => MarginEventJsonContext.Default.Options;

    public static EventSerializer Serializer { get; } = new(Map, Options);

    private static readonly string PositionChangedType = Map.NameOf(typeof(PositionChanged)).Name;
    private static readonly string MoneyMovedType = Map.NameOf(typeof(MoneyMoved)).Name;

    /// <summary>
    /// The account id and ledger lines of a stored <see cref="PositionChanged"/> or <see cref="MoneyMoved"/> (the
    /// money-moving events that store their lines), read without materializing the rest of the event (the position
    /// after a fill, its cause and prices); null for every other type, whose lines, if any, are computed from the
    /// event and need <see cref="Serializer"/>. The ledger projector reads every fill's lines this way: by hand
    /// (<see cref="MarginFastJson.TryReadStoredLedgerLines"/>) when the text has the shape margin writes, else through
    /// the source-generated serializer, which also names the error in malformed text.
    /// </summary>
    public static StoredLedgerLines? ReadStoredLedgerLines(string typeName, ReadOnlySpan<byte> data)
    {
        if (typeName != PositionChangedType && typeName != MoneyMovedType)
        {
            return null;
        }

        return MarginFastJson.TryReadStoredLedgerLines(data, out var stored)
            ? stored
            : ReadStoredLedgerLinesGenerated(typeName, data);
    }

    /// <summary><see cref="ReadStoredLedgerLines"/> through the source-generated serializer only (the reference for tests and benchmarks).</summary>
    public static StoredLedgerLines ReadStoredLedgerLinesGenerated(string typeName, ReadOnlySpan<byte> data) =>
        JsonSerializer.Deserialize(data, MarginEventJsonContext.Default.StoredLedgerLines)
            ?? throw new JsonException($"Event '{typeName}' deserialized to null.");

    /// <summary>
    /// The account aggregate: stream "account-{owner}", snapshots every 1,000 events. The host keeps every account's
    /// latest state in memory (AggregateRepository's cache), so a snapshot only shortens a cold load; at 200 the market
    /// maker's account, on nearly every fill, was serialized and written (one store write each) many times a second.
    /// </summary>
    public static AggregateDefinition<Account> AccountDefinition { get; } = new(AccountCategory, Account.Empty(""), AccountDecider.Evolve) { SnapshotEvery = 1_000 };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CollateralCredited))]
[JsonSerializable(typeof(Deposited))]
[JsonSerializable(typeof(Withdrawn))]
[JsonSerializable(typeof(SubAccountTransferred))]
[JsonSerializable(typeof(VaultDepositBooked))]
[JsonSerializable(typeof(VaultPayoutBooked))]
[JsonSerializable(typeof(VaultTransferMirrored))]
[JsonSerializable(typeof(PositionChanged))]
[JsonSerializable(typeof(MoneyMoved))]
[JsonSerializable(typeof(RiskEventRecorded))]
[JsonSerializable(typeof(MessageApplied))]
[JsonSerializable(typeof(LiquidationRecheckDeferred))]
[JsonSerializable(typeof(LiquidationRechecked))]
[JsonSerializable(typeof(LedgerEntryRecorded))]
[JsonSerializable(typeof(Account))]
[JsonSerializable(typeof(StoredLedgerLines))]
internal sealed partial class MarginEventJsonContext : JsonSerializerContext;

/// <summary>The part of a stored money-moving event that the ledger numbers (<see cref="MarginEventTypes.ReadStoredLedgerLines"/>).</summary>
public sealed record StoredLedgerLines(string AccountId, IReadOnlyList<LedgerLine> LedgerLines);
