using System.Globalization;
using Clearing.Contracts.Gateway.V1;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.Vault.Domain.Quoting;
using Google.Protobuf;
using NSec.Cryptography;
using Proto = Clearing.Contracts.Orders.V1;

namespace Clearing.Vault.Integration;

/// <summary>Where the vault's quotes go: the order gateway, as ordinary signed orders.</summary>
public interface IQuoteSink
{
    Task<bool> PlaceAsync(string market, string orderId, Quote quote, CancellationToken cancellationToken);

    Task<bool> CancelAsync(string market, string orderId, CancellationToken cancellationToken);

    Task<bool> CancelAllAsync(string market, CancellationToken cancellationToken);
}

/// <summary>
/// The vault as a trader of the order gateway: every command signed with the vault account's Ed25519 key over the
/// gateway's canonical encoding, a fresh nonce and a short expiry, exactly as any trader's — the gateway's checks
/// (signature, nonce, limits, margin headroom) apply to the vault too, and nothing reaches matching any other way.
/// Quotes are post-only GTC limit orders. A refusal is logged with the gateway's rule and reported as false.
/// </summary>
public sealed class GatewayQuoteSink(string accountId, Key key, Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient gateway, TimeProvider time, ILogger<GatewayQuoteSink> logger) : IQuoteSink
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(20);
    private readonly byte[] _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    public Task<bool> PlaceAsync(string market, string orderId, Quote quote, CancellationToken cancellationToken)
    {
        var side = quote.Side == QuoteSide.Bid ? OrderSide.Buy : OrderSide.Sell;
        var command = Command(CommandKind.Place, market) with
        {
            OrderId = orderId,
            Side = side,
            Type = OrderType.Limit,
            Price = quote.Price,
            Quantity = quote.Size,
            TimeInForce = OrderTimeInForce.Gtc,
            PostOnly = true,
            SelfTrade = SelfTradeMode.CancelMaker,
            MarginMode = MarginMode.Cross,
        };
        var request = new PlaceOrderRequest
        {
            Market = market,
            Order = new Proto.PlaceOrder
            {
                OrderId = orderId,
                Side = (Proto.Side)side,
                Kind = Proto.OrderKind.Limit,
                Price = Text(quote.Price),
                Quantity = Text(quote.Size),
                TimeInForce = Proto.TimeInForce.Gtc,
                PostOnly = true,
                Stp = Proto.SelfTradePrevention.CancelMaker,
                MarginMode = Proto.MarginMode.Cross,
            },
            Auth = Sign(command),
        };
        return Call(() => gateway.PlaceOrderAsync(request, cancellationToken: cancellationToken).ResponseAsync, "place", market, orderId);
    }

    public Task<bool> CancelAsync(string market, string orderId, CancellationToken cancellationToken)
    {
        var command = Command(CommandKind.Cancel, market) with { OrderId = orderId };
        var request = new CancelOrderRequest { Market = market, Cancel = new Proto.CancelOrder { OrderId = orderId }, Auth = Sign(command) };
        return Call(() => gateway.CancelOrderAsync(request, cancellationToken: cancellationToken).ResponseAsync, "cancel", market, orderId);
    }

    public Task<bool> CancelAllAsync(string market, CancellationToken cancellationToken)
    {
        var request = new CancelAllRequest { Market = market, Auth = Sign(Command(CommandKind.CancelAll, market)) };
        return Call(() => gateway.CancelAllAsync(request, cancellationToken: cancellationToken).ResponseAsync, "cancel-all", market, string.Empty);
    }

    private GatewayCommand Command(CommandKind kind, string market) => new()
    {
        Kind = kind,
        AccountId = accountId,
        Market = market,
        Nonce = Guid.NewGuid().ToString("N"),
        ExpiresAtUnixNanos = (time.GetUtcNow() + Expiry).ToUnixTimeMilliseconds() * 1_000_000,
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

    private async Task<bool> Call(Func<Task<OrderReply>> call, string what, string market, string orderId)
    {
        try
        {
            await call();
            return true;
        }
        catch (global::Grpc.Core.RpcException e) when (e.StatusCode is not global::Grpc.Core.StatusCode.Cancelled)
        {
            logger.LogWarning("Gateway refused the vault's {What} {Market} {OrderId}: {Rule} {Message}", what, market, orderId,
                e.Trailers.GetValue("clearing-rule") ?? e.StatusCode.ToString(), e.Status.Detail);
            return false;
        }
    }

    /// <summary>Decimal text as the gateway parses it: invariant, no exponent, no trailing zeros.</summary>
    public static string Text(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
