using System.Globalization;
using Clearing.Contracts.Gateway.V1;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using Google.Protobuf;
using Grpc.Core;
using NSec.Cryptography;
using CanonicalSessionEncoding = Clearing.OrderGateway.Domain.Authentication.CanonicalSessionEncoding;
using DomainSessionGrant = Clearing.OrderGateway.Domain.Authentication.SessionGrant;
using ProofVerifier = Clearing.OrderGateway.Domain.Authentication.ProofVerifier;
using Proto = Clearing.Contracts.Orders.V1;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>
/// A trader as the gateway sees one: every command signed with the account's Ed25519 key over the gateway's canonical
/// encoding (services/order-gateway README), with a fresh nonce and a short expiry — or, once
/// <see cref="StartSessionAsync"/> has run, MAC'd with a session key the account key granted (what a trading bot
/// does: the gateway checks an HMAC instead of an Ed25519 signature, ~20× cheaper on both sides). Refusals come back as
/// gRPC statuses whose "clearing-rule" trailer names the rule; the client counts them by rule instead of throwing.
/// </summary>
internal sealed class TraderClient(string accountId, Key key, Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient gateway, SimulationStats stats)
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(20);
    private readonly byte[] _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    private long _orders;
    private (string Id, byte[] Secret)? _session;

    public string AccountId => accountId;

    /// <summary>Unique across runs over the same stack (client order ids are idempotency keys): account, counter, random suffix.</summary>
    public string NextOrderId() => $"{accountId}-{Interlocked.Increment(ref _orders).ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>Grants a session key (signed by the account key) for the given markets; later commands carry its MAC.</summary>
    public async Task StartSessionAsync(IReadOnlyList<string> markets, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(DomainSessionGrant.SecretLength);
        var sessionId = $"sim-{Guid.NewGuid():N}"[..24];
        var expires = (DateTimeOffset.UtcNow + lifetime).ToUnixTimeMilliseconds() * 1_000_000;
        var command = Command(CommandKind.Place, "");
        var grant = new DomainSessionGrant(accountId, sessionId, System.Security.Cryptography.SHA256.HashData(secret), markets, null, expires);
        var request = new GrantSessionRequest
        {
            Grant = new Clearing.Contracts.Gateway.V1.SessionGrant
            {
                SessionId = sessionId, SecretSha256 = ByteString.CopyFrom(grant.SecretSha256), Markets = { markets }, SessionExpiresAtUnixNanos = expires,
            },
            Secret = ByteString.CopyFrom(secret),
            Auth = new Authentication
            {
                AccountId = accountId, Nonce = command.Nonce, ExpiresAtUnixNanos = command.ExpiresAtUnixNanos,
                AccountSignature = new AccountSignature
                {
                    PublicKey = ByteString.CopyFrom(_publicKey),
                    Signature = ByteString.CopyFrom(SignatureAlgorithm.Ed25519.Sign(key, CanonicalSessionEncoding.EncodeGrant(grant, command.Nonce, command.ExpiresAtUnixNanos))),
                },
            },
        };
        await gateway.GrantSessionAsync(request, cancellationToken: cancellationToken);
        _session = (sessionId, secret);
    }

    public Task<OrderReply?> PlaceAsync(string market, OrderSide side, OrderType type, decimal? price, decimal quantity, OrderTimeInForce tif,
        bool postOnly = false, bool reduceOnly = false, string? orderId = null, CancellationToken cancellationToken = default)
    {
        var request = PlaceRequest(market, side, type, price, quantity, tif, postOnly, reduceOnly, orderId);
        return CallAsync(() => gateway.PlaceOrderAsync(request, cancellationToken: cancellationToken).ResponseAsync, placed: true);
    }

    /// <summary>Sends a request made by <see cref="PlaceRequest"/> as one PlaceOrder call; records when the gateway accepted it.</summary>
    public async Task<OrderReply?> SendAsync(PlaceOrderRequest request, CancellationToken cancellationToken)
    {
        var reply = await CallAsync(() => gateway.PlaceOrderAsync(request, cancellationToken: cancellationToken).ResponseAsync, placed: true);
        if (reply is not null)
        {
            stats.TakerAcceptedAt[reply.OrderId] = reply.AcceptedAtUnixNanos;
        }

        return reply;
    }

    /// <summary>A signed (or MAC'd) place request, not sent: for <see cref="SendAsync"/> or <see cref="SubmitAsync"/>.</summary>
    public PlaceOrderRequest PlaceRequest(string market, OrderSide side, OrderType type, decimal? price, decimal quantity, OrderTimeInForce tif,
        bool postOnly = false, bool reduceOnly = false, string? orderId = null)
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
        return new PlaceOrderRequest
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
            Auth = Prove(command),
        };
    }

    /// <summary>
    /// Sends place requests (of any traders) in one SubmitOrders call and counts each result as a single call would be
    /// counted; the replies in command order, null where refused.
    /// </summary>
    public static async Task<OrderReply?[]> SubmitAsync(Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient gateway, IReadOnlyList<PlaceOrderRequest> places,
        SimulationStats stats, CancellationToken cancellationToken)
    {
        var request = new SubmitOrdersRequest();
        foreach (var place in places)
        {
            stats.CommandSent(placed: true);
            request.Commands.Add(new OrderCommandRequest { Place = place });
        }

        try
        {
            var reply = await gateway.SubmitOrdersAsync(request, cancellationToken: cancellationToken);
            var replies = new OrderReply?[reply.Results.Count];
            for (var i = 0; i < replies.Length; i++)
            {
                var result = reply.Results[i];
                if (result.OutcomeCase == OrderResult.OutcomeOneofCase.Accepted)
                {
                    stats.CommandAccepted(result.Accepted, placed: true);
                    stats.TakerAcceptedAt[result.Accepted.OrderId] = result.Accepted.AcceptedAtUnixNanos;
                    replies[i] = result.Accepted;
                }
                else
                {
                    stats.CommandRefused(result.Refused.Rule, result.Refused.Message);
                }
            }

            return replies;
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.DeadlineExceeded))
        {
            foreach (var _ in places)
            {
                stats.CommandRefused(e.Trailers.GetValue("clearing-rule") ?? e.StatusCode.ToString(), e.Status.Detail);
            }

            return new OrderReply?[places.Count];
        }
    }

    public Task<OrderReply?> CancelAsync(string market, string orderId, CancellationToken cancellationToken = default)
    {
        var command = Command(CommandKind.Cancel, market) with { OrderId = orderId };
        var request = new CancelOrderRequest { Market = market, Cancel = new Proto.CancelOrder { OrderId = orderId }, Auth = Prove(command) };
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

    private Authentication Prove(GatewayCommand command)
    {
        var auth = new Authentication { AccountId = command.AccountId, Nonce = command.Nonce, ExpiresAtUnixNanos = command.ExpiresAtUnixNanos };
        if (_session is { } session)
        {
            auth.Session = new SessionMac { SessionId = session.Id, Mac = ByteString.CopyFrom(ProofVerifier.SessionMac(session.Secret, CanonicalOrderEncoding.Encode(command))) };
        }
        else
        {
            auth.AccountSignature = new AccountSignature
            {
                PublicKey = ByteString.CopyFrom(_publicKey),
                Signature = ByteString.CopyFrom(SignatureAlgorithm.Ed25519.Sign(key, CanonicalOrderEncoding.Encode(command))),
            };
        }

        return auth;
    }

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
            stats.CommandRefused(e.Trailers.GetValue("clearing-rule") ?? e.StatusCode.ToString(), e.Status.Detail);
            return null;
        }
    }

    /// <summary>Decimal text as the gateway parses it: invariant, no exponent, no trailing zeros.</summary>
    public static string Text(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
