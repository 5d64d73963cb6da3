namespace Clearing.Matching.Domain.Events;

// The stored form of engine input (a book's command log): versioned records with stable type names, each convertible
// to and from the allocation-free EngineCommand the engine consumes. Enum values travel as their stable codes where
// one exists; a reader never depends on enum numbering.

[EventType("matching.place-order.v1")]
public sealed record PlaceOrder(long Timestamp, int Market, long OrderId, long Account, Side Side, OrderType Type, TimeInForce TimeInForce,
    OrderFlags Flags, SelfTradePrevention Stp, long Price, long Quantity, long TriggerPrice, long ExpireAt);

[EventType("matching.cancel-order.v1")]
public sealed record CancelOrder(long Timestamp, int Market, long OrderId, long Account);

[EventType("matching.amend-order.v1")]
public sealed record AmendOrder(long Timestamp, int Market, long OrderId, long Account, long Price, long Quantity);

[EventType("matching.mass-cancel.v1")]
public sealed record MassCancelOrders(long Timestamp, long Account, int Market);

[EventType("matching.set-mark-price.v1")]
public sealed record SetMarkPrice(long Timestamp, int Market, long Price, long Delta);

[EventType("matching.set-market-status.v1")]
public sealed record SetMarketStatus(long Timestamp, int Market, string Status);

[EventType("matching.set-account-tier.v1")]
public sealed record SetAccountTier(long Timestamp, long Account, int Tier);

[EventType("matching.configure-protection.v1")]
public sealed record ConfigureProtection(long Timestamp, long Account, int Underlying, long Window, long QuantityLimit, long DeltaLimit,
    long Cooldown);

[EventType("matching.advance-time.v1")]
public sealed record AdvanceTime(long Timestamp);

public static class MatchingCommandRecords
{
    public static IReadOnlyList<Type> All { get; } =
    [
        typeof(PlaceOrder), typeof(CancelOrder), typeof(AmendOrder), typeof(MassCancelOrders), typeof(SetMarkPrice),
        typeof(SetMarketStatus), typeof(SetAccountTier), typeof(ConfigureProtection), typeof(AdvanceTime),
    ];

    public static object ToRecord(in EngineCommand c) => c.Kind switch
    {
        CommandKind.Place => new PlaceOrder(c.Timestamp, c.Market, c.OrderId, c.Account, c.Side, c.Type, c.TimeInForce, c.Flags, c.Stp,
            c.Price, c.Quantity, c.TriggerPrice, c.ExpireAt),
        CommandKind.Cancel => new CancelOrder(c.Timestamp, c.Market, c.OrderId, c.Account),
        CommandKind.Amend => new AmendOrder(c.Timestamp, c.Market, c.OrderId, c.Account, c.Price, c.Quantity),
        CommandKind.MassCancel => new MassCancelOrders(c.Timestamp, c.Account, c.Market),
        CommandKind.SetMarkPrice => new SetMarkPrice(c.Timestamp, c.Market, c.Price, c.Delta),
        CommandKind.SetMarketStatus => new SetMarketStatus(c.Timestamp, c.Market, c.Status.Code()),
        CommandKind.SetAccountTier => new SetAccountTier(c.Timestamp, c.Account, c.Tier),
        CommandKind.ConfigureProtection => new ConfigureProtection(c.Timestamp, c.Account, c.Market, c.ProtectionWindow,
            c.ProtectionQuantityLimit, c.ProtectionDeltaLimit, c.ProtectionCooldown),
        CommandKind.AdvanceTime => new AdvanceTime(c.Timestamp),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "command kind has no record"),
    };

    public static EngineCommand ToCommand(object record) => record switch
    {
        PlaceOrder p => new EngineCommand
        {
            Kind = CommandKind.Place, Timestamp = p.Timestamp, Market = p.Market, OrderId = p.OrderId, Account = p.Account, Side = p.Side,
            Type = p.Type, TimeInForce = p.TimeInForce, Flags = p.Flags, Stp = p.Stp, Price = p.Price, Quantity = p.Quantity,
            TriggerPrice = p.TriggerPrice, ExpireAt = p.ExpireAt,
        },
        CancelOrder c => EngineCommand.Cancel(c.Timestamp, c.Market, c.OrderId, c.Account),
        AmendOrder a => EngineCommand.Amend(a.Timestamp, a.Market, a.OrderId, a.Account, a.Price, a.Quantity),
        MassCancelOrders m => EngineCommand.MassCancel(m.Timestamp, m.Account, m.Market),
        SetMarkPrice s => EngineCommand.MarkPrice(s.Timestamp, s.Market, s.Price, s.Delta),
        SetMarketStatus s => EngineCommand.MarketStatusChange(s.Timestamp, s.Market, ParseStatus(s.Status)),
        SetAccountTier t => EngineCommand.AccountTier(t.Timestamp, t.Account, t.Tier),
        ConfigureProtection p => EngineCommand.ConfigureProtection(p.Timestamp, p.Account, p.Underlying, p.Window, p.QuantityLimit,
            p.DeltaLimit, p.Cooldown),
        AdvanceTime t => EngineCommand.AdvanceTime(t.Timestamp),
        _ => throw new ArgumentException($"{record.GetType().Name} is not a matching command record", nameof(record)),
    };

    private static MarketStatus ParseStatus(string code) =>
        Enum.GetValues<MarketStatus>().FirstOrDefault(s => s.Code() == code, (MarketStatus)255) is var status && status != (MarketStatus)255
            ? status
            : throw new ArgumentException($"unknown market status '{code}'", nameof(code));
}
