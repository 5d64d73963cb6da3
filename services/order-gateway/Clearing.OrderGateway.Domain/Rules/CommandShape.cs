using Clearing.OrderGateway.Domain.Commands;

namespace Clearing.OrderGateway.Domain.Rules;

/// <summary>Checks that a command is complete and self-consistent before anything else looks at it.</summary>
public static class CommandShape
{
    public static Refusal? Validate(GatewayCommand c)
    {
        string? problem = c switch
        {
            _ when string.IsNullOrEmpty(c.AccountId) => "auth.account_id is required",
            _ when c.Nonce.Length is < 16 or > 128 || !c.Nonce.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-') =>
                "auth.nonce must be 16-128 characters of [A-Za-z0-9_-]",
            _ when string.IsNullOrEmpty(c.Market) => "market is required",
            _ when c.Kind != CommandKind.CancelAll && string.IsNullOrEmpty(c.OrderId) => "order_id is required",
            _ when c.OrderId.Length > 64 => "order_id is at most 64 characters",
            _ => null,
        };
        problem ??= c.Kind switch
        {
            CommandKind.Place => PlaceProblem(c),
            CommandKind.Amend when c.Price is not > 0 => "new_price must be a positive decimal",
            CommandKind.Amend when c.Quantity <= 0 => "new_quantity must be a positive decimal",
            _ => null,
        };
        return problem is null ? null : Rule.Refuse(Rule.Malformed, problem);
    }

    private static string? PlaceProblem(GatewayCommand c)
    {
        if (c.Side == OrderSide.Unspecified)
        {
            return "side must be SIDE_BUY or SIDE_SELL";
        }

        if (c.Type == OrderType.Unspecified)
        {
            return "kind must be set (ORDER_KIND_LIMIT, ORDER_KIND_MARKET, …)";
        }

        if (c.Quantity <= 0)
        {
            return "quantity must be a positive decimal";
        }

        var needsPrice = c.Type is OrderType.Limit or OrderType.StopLimit;
        if (needsPrice && c.Price is not > 0)
        {
            return $"a {c.Type} order needs a positive price";
        }

        if (!needsPrice && c.Type != OrderType.TakeProfit && c.Price is not null)
        {
            return $"a {c.Type} order has no price";
        }

        var needsTrigger = c.Type is OrderType.StopMarket or OrderType.StopLimit or OrderType.TakeProfit;
        if (needsTrigger != c.TriggerPrice is > 0)
        {
            return needsTrigger ? $"a {c.Type} order needs a positive trigger_price" : "only stop and take-profit orders have a trigger_price";
        }

        if (c.TimeInForce == OrderTimeInForce.Gtt && c.GoodTillUnixNanos <= 0)
        {
            return "a GTT order needs expire_at_unix_nanos";
        }

        if (c.PostOnly && c.Type != OrderType.Limit)
        {
            return "post_only applies to limit orders only";
        }

        return c.MarginMode switch
        {
            MarginMode.Isolated when c.IsolatedCollateral is not > 0 => "isolated margin needs a positive isolated_collateral",
            MarginMode.Isolated when string.IsNullOrEmpty(c.CollateralAsset) => "isolated margin needs a collateral_asset",
            not MarginMode.Isolated when c.IsolatedCollateral is not null || c.CollateralAsset.Length > 0 =>
                "isolated_collateral and collateral_asset are for MARGIN_MODE_ISOLATED only",
            _ => null,
        };
    }
}
