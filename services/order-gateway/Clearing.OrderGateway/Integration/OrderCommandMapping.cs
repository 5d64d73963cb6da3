using Clearing.Contracts.Orders.V1;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using Google.Protobuf;

namespace Clearing.OrderGateway.Integration;

/// <summary>Public order command ↔ the gateway's domain command, at the edge.</summary>
public static class OrderCommandMapping
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    /// <summary>The OrderCommand matching receives. Amounts travel in their canonical decimal text.</summary>
    public static OrderCommand ToProto(GatewayCommand c, string commandId, long timeUnixNanos)
    {
        var command = new OrderCommand
        {
            CommandId = commandId,
            Market = c.Market,
            AccountId = c.AccountId,
            TimeUnixNanos = timeUnixNanos,
            Origin = Origin.Trader,
        };
        switch (c.Kind)
        {
            case CommandKind.Place:
                command.Place = new PlaceOrder
                {
                    OrderId = c.OrderId,
                    Side = (Side)c.Side,
                    Kind = (OrderKind)c.Type,
                    Price = DecimalText.Format(c.Price),
                    Quantity = DecimalText.Format(c.Quantity),
                    TimeInForce = (TimeInForce)c.TimeInForce,
                    ExpireAtUnixNanos = c.GoodTillUnixNanos,
                    PostOnly = c.PostOnly,
                    ReduceOnly = c.ReduceOnly,
                    Stp = (SelfTradePrevention)c.SelfTrade,
                    TriggerPrice = DecimalText.Format(c.TriggerPrice),
                    // Unspecified reads as cross everywhere; the gateway writes it out so the command says what it means.
                    MarginMode = c.MarginMode == Domain.Commands.MarginMode.Isolated ? Contracts.Orders.V1.MarginMode.Isolated : Contracts.Orders.V1.MarginMode.Cross,
                    IsolatedCollateral = DecimalText.Format(c.IsolatedCollateral),
                    CollateralAsset = c.CollateralAsset,
                    Mmp = c.Mmp,
                };
                break;
            case CommandKind.Cancel:
                command.Cancel = new CancelOrder { OrderId = c.OrderId };
                break;
            case CommandKind.Amend:
                command.Amend = new AmendOrder { OrderId = c.OrderId, NewPrice = DecimalText.Format(c.Price), NewQuantity = DecimalText.Format(c.Quantity) };
                break;
            case CommandKind.CancelAll:
                command.CancelAll = new CancelAll();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "unknown command kind");
        }

        return command;
    }

    public static string ToJson(OrderCommand command) => OrderCommandJson.Format(command);

    public static OrderCommand FromJson(string json) => Parser.Parse<OrderCommand>(json);

    public static string KindName(CommandKind kind) => kind switch
    {
        CommandKind.Place => "place",
        CommandKind.Cancel => "cancel",
        CommandKind.Amend => "amend",
        CommandKind.CancelAll => "cancel-all",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown command kind"),
    };
}
