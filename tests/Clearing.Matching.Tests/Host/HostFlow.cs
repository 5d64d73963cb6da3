using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Google.Protobuf;

namespace Clearing.Matching.Tests.Host;

/// <summary>
/// A reproducible order flow over BTC-PERP and ETH-PERP as the gateway would publish it: crossing limits, market,
/// IOC, FOK and post-only orders, cancels and amends of earlier orders (some of other accounts), repeated command ids,
/// and optionally oracle updates with marks, a circuit breaker and its recovery.
/// </summary>
internal static class HostFlow
{
    private static readonly (string Market, string Asset, decimal Mid, decimal Tick, decimal Lot)[] Markets =
    [
        ("BTC-PERP", "BTC", 50_000m, 0.5m, 0.001m),
        ("ETH-PERP", "ETH", 3_000m, 0.05m, 0.01m),
    ];

    public static List<IMessage> Generate(int seed, int count, bool withPrices)
    {
        var random = new Random(seed);
        var flow = new List<IMessage>(count);
        var placed = new List<(string Market, string Account, string OrderId)>();
        var priceSequence = new Dictionary<string, long> { ["BTC"] = 0, ["ETH"] = 0 };
        var time = HostOrders.T0;
        OrderCommand? last = null;
        for (var i = 0; i < count; i++)
        {
            time += 1_000 + random.Next(1_000);
            var (market, asset, mid, tick, lot) = Markets[random.Next(Markets.Length)];
            var account = $"acct-{random.Next(20)}";
            var roll = random.Next(100);
            if (withPrices && roll < 4)
            {
                var status = random.Next(30) == 0 ? PriceStatus.CircuitBreaker : PriceStatus.Ok;
                var mark = mid + (random.Next(41) - 20) * tick;
                var update = new PriceUpdate { Asset = asset, Sequence = ++priceSequence[asset], TimeUnixNanos = time, Status = status };
                update.Marks.Add(new MarkPrice { Market = market, MarkPrice_ = mark.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                flow.Add(update);
                continue;
            }
            if (roll < 6 && last is not null)
            {
                // The gateway retried: same command id, same content.
                flow.Add(last.Clone());
                continue;
            }
            var command = new OrderCommand
            {
                CommandId = $"c{seed}-{i}", Market = market, AccountId = account, TimeUnixNanos = time,
                Origin = random.Next(10) == 0 ? Origin.Vault : Origin.Trader,
            };
            if (roll < 20 && placed.Count > 0)
            {
                var target = placed[random.Next(placed.Count)];
                command.Market = target.Market;
                command.AccountId = random.Next(8) == 0 ? account : target.Account;
                command.Cancel = new CancelOrder { OrderId = target.OrderId };
            }
            else if (roll < 30 && placed.Count > 0)
            {
                var target = placed[random.Next(placed.Count)];
                var targetMarket = Markets.First(m => m.Market == target.Market);
                command.Market = target.Market;
                command.AccountId = target.Account;
                command.Amend = new AmendOrder
                {
                    OrderId = target.OrderId,
                    NewPrice = random.Next(2) == 0 ? "" : Text(targetMarket.Mid + (random.Next(41) - 20) * targetMarket.Tick),
                    NewQuantity = Text(targetMarket.Lot * (1 + random.Next(20))),
                };
            }
            else
            {
                var orderId = $"o{i}";
                var kindRoll = random.Next(100);
                var place = new PlaceOrder
                {
                    OrderId = orderId,
                    Side = random.Next(2) == 0 ? Side.Buy : Side.Sell,
                    Kind = kindRoll < 10 ? OrderKind.Market : OrderKind.Limit,
                    Quantity = Text(lot * (1 + random.Next(20))),
                    TimeInForce = kindRoll switch { < 10 => TimeInForce.Ioc, < 18 => TimeInForce.Ioc, < 22 => TimeInForce.Fok, _ => TimeInForce.Gtc },
                    PostOnly = kindRoll is >= 22 and < 30,
                    ReduceOnly = kindRoll is >= 30 and < 33,
                    MarginMode = random.Next(5) == 0 ? MarginMode.Isolated : MarginMode.Cross,
                    Stp = (SelfTradePrevention)random.Next(4),
                };
                if (place.Kind == OrderKind.Limit)
                {
                    // One in twenty is off-tick, so the flow carries host-side rejections too.
                    var offset = random.Next(41) - 20;
                    place.Price = Text(mid + offset * tick + (random.Next(20) == 0 ? tick / 2 : 0));
                }
                if (place.MarginMode == MarginMode.Isolated)
                {
                    place.IsolatedCollateral = "1000";
                    place.CollateralAsset = "USDC";
                }
                command.Place = place;
                placed.Add((market, account, orderId));
            }
            flow.Add(command);
            last = command;
        }
        return flow;
    }

    public static IEnumerable<OrderCommand> Orders(this IEnumerable<IMessage> flow) => flow.OfType<OrderCommand>();

    private static string Text(decimal value) => value.ToString("0.############################", System.Globalization.CultureInfo.InvariantCulture);
}
