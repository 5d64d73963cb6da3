using Clearing.Contracts.Orders.V1;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Integration;
using DomainMarginMode = Clearing.OrderGateway.Domain.Commands.MarginMode;

namespace Clearing.OrderGateway.Tests.Host;

public sealed class OrderCommandMappingTests
{
    private static GatewayCommand Isolated => new()
    {
        Kind = CommandKind.Place, AccountId = "acct-1", Market = "BTC-PERP", Nonce = "nonce-0000000001", ExpiresAtUnixNanos = 1,
        OrderId = "iso-1", Side = OrderSide.Sell, Type = OrderType.StopLimit, Price = 49_000.50m, Quantity = 1.000m,
        TriggerPrice = 49_500m, TimeInForce = OrderTimeInForce.Gtt, GoodTillUnixNanos = 99, ReduceOnly = false,
        SelfTrade = SelfTradeMode.CancelBoth, MarginMode = DomainMarginMode.Isolated, IsolatedCollateral = 6_000m, CollateralAsset = "USDC",
    };

    [Fact]
    public void an_isolated_order_carries_its_margin_mode_and_pinned_collateral_into_the_order_command()
    {
        var command = OrderCommandMapping.ToProto(Isolated, "gw:acct-1:nonce-0000000001", 123);
        command.CommandId.ShouldBe("gw:acct-1:nonce-0000000001");
        command.Origin.ShouldBe(Origin.Trader);
        command.TimeUnixNanos.ShouldBe(123);
        var place = command.Place;
        place.MarginMode.ShouldBe(Contracts.Orders.V1.MarginMode.Isolated);
        place.IsolatedCollateral.ShouldBe("6000");
        place.CollateralAsset.ShouldBe("USDC");
        place.Side.ShouldBe(Side.Sell);
        place.Kind.ShouldBe(OrderKind.StopLimit);
        place.Price.ShouldBe("49000.5");
        place.Quantity.ShouldBe("1");
        place.TriggerPrice.ShouldBe("49500");
        place.TimeInForce.ShouldBe(TimeInForce.Gtt);
        place.ExpireAtUnixNanos.ShouldBe(99);
        place.Stp.ShouldBe(SelfTradePrevention.CancelBoth);
    }

    [Fact]
    public void a_market_maker_quote_is_published_with_mmp_and_a_plain_order_without()
    {
        OrderCommandMapping.ToProto(Isolated with { Mmp = true }, "c", 1).Place.Mmp.ShouldBeTrue();
        OrderCommandMapping.ToProto(Isolated, "c", 1).Place.Mmp.ShouldBeFalse();
    }

    [Fact]
    public void an_order_without_a_margin_mode_is_published_as_cross()
    {
        OrderCommandMapping.ToProto(Isolated with { MarginMode = DomainMarginMode.Unspecified, IsolatedCollateral = null, CollateralAsset = "" }, "c", 1)
            .Place.MarginMode.ShouldBe(Contracts.Orders.V1.MarginMode.Cross);
    }

    [Fact]
    public void the_stored_json_form_gives_back_the_same_command_bytes()
    {
        var command = OrderCommandMapping.ToProto(Isolated, "c", 1);
        OrderCommandMapping.FromJson(OrderCommandMapping.ToJson(command)).ShouldBe(command);
    }
}
