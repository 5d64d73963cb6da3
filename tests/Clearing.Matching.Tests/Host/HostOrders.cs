using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Matching.Application;
using Clearing.Primitives.Markets;

namespace Clearing.Matching.Tests.Host;

/// <summary>Builds order commands and price updates the way the gateway and oracle put them on Kafka.</summary>
internal static class HostOrders
{
    public const long T0 = 1_800_000_000_000_000_000;

    private static int _commands;

    public static MatchingPipeline Pipeline(MarketCatalog? catalog = null) => new(catalog ?? MarketCatalog.EmbeddedDefaults, new MatchingOptions());

    public static OrderCommand Limit(string market, string account, string orderId, Side side, string price, string quantity, long time = T0,
        TimeInForce tif = TimeInForce.Gtc, bool reduceOnly = false, MarginMode mode = MarginMode.Cross, string isolated = "",
        Origin origin = Origin.Trader, string? commandId = null, long expireAt = 0) => new()
        {
            CommandId = commandId ?? $"cmd-{Interlocked.Increment(ref _commands)}",
            Market = market,
            AccountId = account,
            TimeUnixNanos = time,
            Origin = origin,
            Place = new PlaceOrder
            {
                OrderId = orderId, Side = side, Kind = OrderKind.Limit, Price = price, Quantity = quantity, TimeInForce = tif,
                ReduceOnly = reduceOnly, MarginMode = mode, IsolatedCollateral = isolated, CollateralAsset = isolated.Length > 0 ? "USDC" : "",
                ExpireAtUnixNanos = expireAt,
            },
        };

    public static OrderCommand Market(string market, string account, string orderId, Side side, string quantity, long time = T0) => new()
    {
        CommandId = $"cmd-{Interlocked.Increment(ref _commands)}",
        Market = market,
        AccountId = account,
        TimeUnixNanos = time,
        Origin = Origin.Trader,
        Place = new PlaceOrder { OrderId = orderId, Side = side, Kind = OrderKind.Market, Quantity = quantity },
    };

    public static OrderCommand Cancel(string market, string account, string orderId, long time = T0) => new()
    {
        CommandId = $"cmd-{Interlocked.Increment(ref _commands)}",
        Market = market,
        AccountId = account,
        TimeUnixNanos = time,
        Cancel = new CancelOrder { OrderId = orderId },
    };

    public static OrderCommand Amend(string market, string account, string orderId, string price, string quantity, long time = T0) => new()
    {
        CommandId = $"cmd-{Interlocked.Increment(ref _commands)}",
        Market = market,
        AccountId = account,
        TimeUnixNanos = time,
        Amend = new AmendOrder { OrderId = orderId, NewPrice = price, NewQuantity = quantity },
    };

    public static PriceUpdate Price(string asset, long sequence, long time, PriceStatus status = PriceStatus.Ok, params (string Market, string Mark)[] marks)
    {
        var update = new PriceUpdate { Asset = asset, Sequence = sequence, TimeUnixNanos = time, Status = status };
        foreach (var (market, mark) in marks)
        {
            update.Marks.Add(new MarkPrice { Market = market, MarkPrice_ = mark });
        }
        return update;
    }

    public static List<MatchingEvent> Run(this MatchingPipeline pipeline, params OrderCommand[] commands)
    {
        var output = new List<MatchingEvent>();
        foreach (var command in commands)
        {
            pipeline.Apply(command, output);
        }
        return output;
    }

    public static List<MatchingEvent> Run(this MatchingPipeline pipeline, PriceUpdate update)
    {
        var output = new List<MatchingEvent>();
        pipeline.Apply(update, output);
        return output;
    }
}
