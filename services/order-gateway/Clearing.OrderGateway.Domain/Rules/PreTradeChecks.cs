using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;

namespace Clearing.OrderGateway.Domain.Rules;

/// <summary>
/// The market and margin rules, in the order a trader would fix them: market open, tick, lot, size limits, price band
/// against the mark, then margin headroom. Matching re-checks the market rules (it is the authority); the gateway
/// checks first so a refusal is immediate, names the rule, and never costs a trip through Kafka.
/// </summary>
public static class PreTradeChecks
{
    public static Refusal? Check(GatewayCommand c, MarketContext market, MarginSnapshot? margin, PreTradeParameters parameters)
    {
        if (!c.AddsOrders)
        {
            // Cancels only ever remove risk: allowed in any status (a halted market keeps its book and its cancels).
            return null;
        }

        var m = market.Definition;
        if (market.Status != MarketStatus.Open)
        {
            return Rule.Refuse(Rule.MarketNotOpen, $"{m.Symbol} is {Describe(market.Status)}");
        }

        foreach (var (name, price) in new[] { ("price", c.Price), ("trigger_price", c.TriggerPrice) })
        {
            if (price is { } p && p % m.TickSize != 0)
            {
                return Rule.Refuse(Rule.OffTick, $"{name} {DecimalText.Format(p)} is not a multiple of {m.Symbol}'s tick {DecimalText.Format(m.TickSize)}");
            }
        }

        if (c.Quantity % m.LotSize != 0)
        {
            return Rule.Refuse(Rule.OffLot, $"quantity {DecimalText.Format(c.Quantity)} is not a multiple of {m.Symbol}'s lot {DecimalText.Format(m.LotSize)}");
        }

        if (c.Quantity < m.MinOrderSize)
        {
            return Rule.Refuse(Rule.BelowMinSize, $"quantity {DecimalText.Format(c.Quantity)} is below {m.Symbol}'s minimum {DecimalText.Format(m.MinOrderSize)}");
        }

        if (c.Quantity > m.MaxOrderSize)
        {
            return Rule.Refuse(Rule.AboveMaxSize, $"quantity {DecimalText.Format(c.Quantity)} is above {m.Symbol}'s maximum {DecimalText.Format(m.MaxOrderSize)}");
        }

        if (c.Price is { } limit && m.PriceBand > 0 && market.MarkPrice is { } mark)
        {
            var low = mark * (1 - m.PriceBand);
            var high = mark * (1 + m.PriceBand);
            if (limit < low || limit > high)
            {
                return Rule.Refuse(Rule.PriceBand,
                    $"price {DecimalText.Format(limit)} is outside {m.Symbol}'s band of ±{DecimalText.Format(m.PriceBand * 100)}% around the mark {DecimalText.Format(mark)}");
            }
        }

        return c.Kind == CommandKind.Place ? MarginHeadroom(c, market, margin, parameters) : null;
    }

    /// <summary>
    /// A pre-screen, not margin's own calculation: the exposure the order adds (|position + order| − |position|,
    /// resting orders not counted) times its price times the market's initial margin fraction must fit in the
    /// account's available margin; in isolated mode the pinned collateral must cover it and fit instead.
    /// </summary>
    private static Refusal? MarginHeadroom(GatewayCommand c, MarketContext market, MarginSnapshot? margin, PreTradeParameters parameters)
    {
        if (c.ReduceOnly)
        {
            return null;
        }

        var position = margin?.PositionIn(c.Market) ?? 0m;
        var added = Math.Abs(position + c.SignedQuantity) - Math.Abs(position);
        if (added <= 0)
        {
            return null;
        }

        if (margin is null)
        {
            return parameters.RefuseWithoutMarginAccount
                ? Rule.Refuse(Rule.NoMarginAccount, $"account '{c.AccountId}' has no margin account yet: deposit collateral before adding risk")
                : null;
        }

        if (margin.Liquidating)
        {
            return Rule.Refuse(Rule.AccountLiquidating, $"account '{c.AccountId}' is being liquidated: only reducing orders are accepted");
        }

        var price = c.Price ?? market.MarkPrice;
        if (price is null)
        {
            return Rule.Refuse(Rule.NoMarkPrice, $"{c.Market} has no mark price yet, so a {c.Type} order cannot be margined");
        }

        var required = added * price.Value * parameters.InitialMarginFractionOf(c.Market);
        if (c.MarginMode == MarginMode.Isolated)
        {
            var pinned = c.IsolatedCollateral ?? 0m;
            if (pinned < required)
            {
                return Rule.Refuse(Rule.InsufficientIsolatedCollateral,
                    $"isolated_collateral {DecimalText.Format(pinned)} is below the order's initial margin {DecimalText.Format(required)}");
            }

            required = pinned;
        }

        return margin.AvailableMargin < required
            ? Rule.Refuse(Rule.InsufficientMargin,
                $"the order needs {DecimalText.Format(required)} of margin, account '{c.AccountId}' has {DecimalText.Format(margin.AvailableMargin)} available")
            : null;
    }

    private static string Describe(MarketStatus status) => status switch
    {
        MarketStatus.PreOpen => "not open yet (pre-open)",
        MarketStatus.Halted => "halted",
        MarketStatus.Expired => "expired",
        _ => status.ToString(),
    };
}
