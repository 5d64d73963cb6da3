using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing;

namespace Clearing.Matching.Application;

// The stored input of one book (stream "book-{market}"): what the book was fed, in the order it was fed, with the
// public string ids, so a replay runs the very same host code (interning tables, metadata, host-side rejections)
// and rebuilds the exact book. Outputs are not stored: they are a function of this log.

/// <summary>An order command as the book received it (a flat copy of <see cref="OrderCommand"/>).</summary>
public sealed record OrderInput
{
    public required string CommandId { get; init; }
    public required string Account { get; init; }
    public required long Time { get; init; }
    public Origin Origin { get; init; }
    /// <summary>"place", "cancel", "amend", "cancel-all" or "none" (a command without a body).</summary>
    public required string Action { get; init; }
    public string? OrderId { get; init; }
    public Side Side { get; init; }
    public OrderKind Kind { get; init; }
    public string? Price { get; init; }
    public string? Quantity { get; init; }
    public TimeInForce TimeInForce { get; init; }
    public long ExpireAt { get; init; }
    public bool PostOnly { get; init; }
    public bool ReduceOnly { get; init; }
    public SelfTradePrevention Stp { get; init; }
    public string? TriggerPrice { get; init; }
    public MarginMode MarginMode { get; init; }
    public string? IsolatedCollateral { get; init; }
    public string? CollateralAsset { get; init; }
    /// <summary>A market-maker quote (PlaceOrder.mmp), under the account's market-maker protection.</summary>
    public bool Mmp { get; init; }
    /// <summary>The account's fee tier when the command arrived (Matching:AccountTiers); null = "default". Stored so a replay
    /// charges what was charged even after the account→tier map changed.</summary>
    public string? FeeTier { get; init; }

    /// <summary>Quotes are what protection counts and cancels: orders flagged mmp, and every order of the vault.</summary>
    [JsonIgnore]
    public bool IsQuote => Mmp || Origin == Origin.Vault;

    public static OrderInput From(OrderCommand command)
    {
        var input = new OrderInput
        {
            CommandId = command.CommandId,
            Account = command.AccountId,
            Time = command.TimeUnixNanos,
            Origin = command.Origin,
            Action = command.CommandCase switch
            {
                OrderCommand.CommandOneofCase.Place => "place",
                OrderCommand.CommandOneofCase.Cancel => "cancel",
                OrderCommand.CommandOneofCase.Amend => "amend",
                OrderCommand.CommandOneofCase.CancelAll => "cancel-all",
                _ => "none",
            },
        };
        return command.CommandCase switch
        {
            OrderCommand.CommandOneofCase.Place => input with
            {
                OrderId = command.Place.OrderId,
                Side = command.Place.Side,
                Kind = command.Place.Kind,
                Price = Text(command.Place.Price),
                Quantity = Text(command.Place.Quantity),
                TimeInForce = command.Place.TimeInForce,
                ExpireAt = command.Place.ExpireAtUnixNanos,
                PostOnly = command.Place.PostOnly,
                ReduceOnly = command.Place.ReduceOnly,
                Stp = command.Place.Stp,
                TriggerPrice = Text(command.Place.TriggerPrice),
                MarginMode = command.Place.MarginMode,
                IsolatedCollateral = Text(command.Place.IsolatedCollateral),
                CollateralAsset = Text(command.Place.CollateralAsset),
                Mmp = command.Place.Mmp,
            },
            OrderCommand.CommandOneofCase.Cancel => input with { OrderId = command.Cancel.OrderId },
            OrderCommand.CommandOneofCase.Amend => input with
            {
                OrderId = command.Amend.OrderId,
                Price = Text(command.Amend.NewPrice),
                Quantity = Text(command.Amend.NewQuantity),
            },
            _ => input,
        };
    }

    private static string? Text(string value) => value.Length == 0 ? null : value;
}

/// <summary>The part of an oracle update that concerns one market: its clock, its mark, the underlying's status.</summary>
public sealed record PriceInput(string Asset, long Sequence, long Time, PriceStatus Status, string? Mark, string? Reason)
{
    /// <summary>One input per market of the update's asset, in catalog order.</summary>
    public static IEnumerable<(string Market, PriceInput Input)> From(PriceUpdate update, IEnumerable<string> marketsOfAsset)
    {
        foreach (var market in marketsOfAsset)
        {
            var mark = update.Marks.FirstOrDefault(m => m.Market == market)?.MarkPrice_;
            yield return (market, new PriceInput(update.Asset, update.Sequence, update.TimeUnixNanos, update.Status,
                string.IsNullOrEmpty(mark) ? null : mark, string.IsNullOrEmpty(update.Reason) ? null : update.Reason));
        }
    }
}

/// <summary>An emergency halt (stream "halt-{market}", version <see cref="HaltVersion"/>) reaching the book.</summary>
public sealed record HaltInput(long HaltVersion, long Time, string HaltedBy, string Reason);

/// <summary>
/// Market-maker protection tripped for (account, underlying): the pipeline feeds the same trip, numbered per underlying,
/// to every book of the underlying right after the input whose fill crossed the limit, so each book's stream holds it
/// at the place it took effect and a replay of any one stream is exact.
/// </summary>
public sealed record ProtectionInput(string Account, string Underlying, long Number, long Time, long FrozenUntil, string TriggerMarket, string Reason);

/// <summary>
/// Governance's parameters of the market (registry set <c>market-{symbol}</c>, version <see cref="Version"/>, in force from
/// <see cref="EffectiveAt"/>) reaching the book. The pipeline stores it right before the first input of the market whose
/// own time (<see cref="Time"/>) is at or after the effective time, with the values matching applies — a fee pair or band
/// that matching's own validation refuses is null here (the value in force stays) and <see cref="Refused"/> says why — so
/// a replay or a snapshot restore applies the same values at the same place without asking the registry again.
/// Fee rates and band are canonical decimal text (fractions of notional / of the mark).
/// </summary>
public sealed record ParamsInput(long Version, long EffectiveAt, long Time, string? MakerFee, string? TakerFee, string? PriceBand, bool Halted, string? Refused = null);

/// <summary>Exactly one of the five is set.</summary>
public sealed record BookInput(OrderInput? Order = null, PriceInput? Price = null, HaltInput? Halt = null, ProtectionInput? Protection = null,
    ParamsInput? Params = null)
{
    public long Time => Order?.Time ?? Price?.Time ?? Halt?.Time ?? Protection?.Time ?? Params!.Time;
}

/// <summary>
/// One append to "book-{market}": the inputs of one processing batch and the public sequences their events took.
/// The sequences are redundant (a replay recomputes them) and are checked on replay, so a store that drifted from
/// the code is caught before anything is published.
/// </summary>
[EventType("matching.book-inputs.v1")]
public sealed record BookInputBatch(string Market, long FirstSequence, long LastSequence, IReadOnlyList<BookInput> Inputs);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BookInputBatch))]
internal sealed partial class BookJsonContext : JsonSerializerContext;

public static class BookStreams
{
    public const string Category = "book";

    public static string For(string market) => StreamName.For(Category, market);

    public static EventSerializer Serializer { get; } = new(
        new EventTypeMap().Register<BookInputBatch>(),
        new JsonSerializerOptions(BookJsonContext.Default.Options));
}
