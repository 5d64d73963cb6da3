using System.Globalization;
using Clearing.Contracts.Gateway.V1;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using Google.Protobuf;
using Grpc.Core;
using NSec.Cryptography;
using Proto = Clearing.Contracts.Orders.V1;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>
/// A trader as the gateway sees one: every command signed with the account's Ed25519 key over the gateway's canonical
/// encoding (services/order-gateway README), with a fresh nonce and a short expiry. Refusals come back as gRPC statuses
/// whose "clearing-rule" trailer names the rule; the client counts them by rule instead of throwing.
/// </summary>
internal sealed class TraderClient(string accountId, Key key, Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient gateway, SimulationStats stats)
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(20);
    private readonly byte[] _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    private long _orders;

    public string AccountId => accountId;

    /// <summary>Unique across runs over the same stack (client order ids are idempotency keys): account, counter, random suffix.</summary>
    public string NextOrderId() => $"{accountId}-{Interlocked.Increment(ref _orders).ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..10]}";

    public Task<OrderReply?> PlaceAsync(string market, OrderSide side, OrderType type, decimal? price, decimal quantity, OrderTimeInForce tif,
        bool postOnly = false, bool reduceOnly = false, string? orderId = null, CancellationToken cancellationToken = default)
    {
        var command = Command(CommandKind.Place, market) with
        {
            OrderId = orderId ?? NextOrderId(),
            Side = side,
            Type = type,
            Price = price,
            Quantity = quantity,
            TimeInForce = tif,
            PostOnly = postOnly,
            ReduceOnly = reduceOnly,
            SelfTrade = SelfTradeMode.CancelMaker,
            MarginMode = MarginMode.Cross,
        };
        var request = new PlaceOrderRequest
        {
            Market = market,
            Order = new Proto.PlaceOrder
            {
                OrderId = command.OrderId,
                Side = (Proto.Side)command.Side,
                Kind = (Proto.OrderKind)command.Type,
                Price = price is { } p ? Text(p) : "",
                Quantity = Text(quantity),
                TimeInForce = (Proto.TimeInForce)tif,
                PostOnly = postOnly,
                ReduceOnly = reduceOnly,
                Stp = Proto.SelfTradePrevention.CancelMaker,
                MarginMode = Proto.MarginMode.Cross,
            },
            Auth = Sign(command),
        };
        return CallAsync(() => gateway.PlaceOrderAsync(request, cancellationToken: cancellationToken).ResponseAsync, placed: true);
    }

    public Task<OrderReply?> CancelAsync(string market, string orderId, CancellationToken cancellationToken = default)
    {
        var command = Command(CommandKind.Cancel, market) with { OrderId = orderId };
        var request = new CancelOrderRequest { Market = market, Cancel = new Proto.CancelOrder { OrderId = orderId }, Auth = Sign(command) };
        return CallAsync(() => gateway.CancelOrderAsync(request, cancellationToken: cancellationToken).ResponseAsync, placed: false);
    }

    private GatewayCommand Command(CommandKind kind, string market) => new()
    {
        Kind = kind,
        AccountId = accountId,
        Market = market,
        Nonce = Guid.NewGuid().ToString("N"),
        ExpiresAtUnixNanos = (DateTimeOffset.UtcNow + Expiry).ToUnixTimeMilliseconds() * 1_000_000,
    };

    private Authentication Sign(GatewayCommand command) => new()
    {
        AccountId = command.AccountId,
        Nonce = command.Nonce,
        ExpiresAtUnixNanos = command.ExpiresAtUnixNanos,
        AccountSignature = new AccountSignature
        {
            PublicKey = ByteString.CopyFrom(_publicKey),
            Signature = ByteString.CopyFrom(SignatureAlgorithm.Ed25519.Sign(key, CanonicalOrderEncoding.Encode(command))),
        },
    };

    private async Task<OrderReply?> CallAsync(Func<Task<OrderReply>> call, bool placed)
    {
        stats.CommandSent(placed);
        try
        {
            var reply = await call();
            stats.CommandAccepted(reply, placed);
            return reply;
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.DeadlineExceeded))
        {
            stats.CommandRefused(e.Trailers.GetValue("clearing-rule") ?? e.StatusCode.ToString());
            return null;
        }
    }

    /// <summary>Decimal text as the gateway parses it: invariant, no exponent, no trailing zeros.</summary>
    public static string Text(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
