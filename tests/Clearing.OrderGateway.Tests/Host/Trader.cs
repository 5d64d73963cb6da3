using Clearing.Contracts.Gateway.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.OrderGateway.Grpc;
using Google.Protobuf;
using NSec.Cryptography;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>What a trader SDK does: builds requests and signs their canonical bytes with the account key or a session MAC.</summary>
internal sealed class Trader(string accountId, Key key)
{
    private static int _nonce;

    public string AccountId { get; } = accountId;

    public Key Key { get; } = key;

    public static string NextNonce() => $"test-nonce-{Interlocked.Increment(ref _nonce):D10}-{Guid.NewGuid():N}"[..40];

    public static long ExpiresIn(TimeSpan span) => (DateTimeOffset.UtcNow + span - DateTimeOffset.UnixEpoch).Ticks * 100;

    public PlaceOrderRequest Place(string orderId, string price = "50000", string quantity = "0.1", string market = "BTC-PERP",
        string? nonce = null, long? expiresAt = null, Key? signWith = null, Action<PlaceOrder>? tweak = null)
    {
        var order = new PlaceOrder
        {
            OrderId = orderId, Side = Side.Buy, Kind = OrderKind.Limit, Price = price, Quantity = quantity,
            TimeInForce = TimeInForce.Gtc, MarginMode = MarginMode.Cross,
        };
        tweak?.Invoke(order);
        var request = new PlaceOrderRequest { Market = market, Order = order, Auth = Auth(nonce, expiresAt) };
        request.Auth.AccountSignature = Signature(CanonicalOrderEncoding.Encode(RequestMapping.ToCommand(request)), signWith);
        return request;
    }

    public PlaceOrderRequest PlaceUnderSession(string sessionId, byte[] secret, string orderId, string quantity = "0.1", string market = "BTC-PERP", string price = "50000")
    {
        var order = new PlaceOrder { OrderId = orderId, Side = Side.Buy, Kind = OrderKind.Limit, Price = price, Quantity = quantity, MarginMode = MarginMode.Cross };
        var request = new PlaceOrderRequest { Market = market, Order = order, Auth = Auth(null, null) };
        var mac = ProofVerifier.SessionMac(secret, CanonicalOrderEncoding.Encode(RequestMapping.ToCommand(request)));
        request.Auth.Session = new SessionMac { SessionId = sessionId, Mac = ByteString.CopyFrom(mac) };
        return request;
    }

    public CancelOrderRequest Cancel(string orderId, string market = "BTC-PERP")
    {
        var request = new CancelOrderRequest { Market = market, Cancel = new CancelOrder { OrderId = orderId }, Auth = Auth(null, null) };
        request.Auth.AccountSignature = Signature(CanonicalOrderEncoding.Encode(RequestMapping.ToCommand(request)), null);
        return request;
    }

    public GrantSessionRequest Grant(string sessionId, byte[] secret, IEnumerable<string> markets, string maxQuantity, TimeSpan lifetime)
    {
        var grant = new Contracts.Gateway.V1.SessionGrant
        {
            SessionId = sessionId,
            SecretSha256 = ByteString.CopyFrom(System.Security.Cryptography.SHA256.HashData(secret)),
            Markets = { markets },
            MaxOrderQuantity = maxQuantity,
            SessionExpiresAtUnixNanos = ExpiresIn(lifetime),
        };
        var request = new GrantSessionRequest { Grant = grant, Secret = ByteString.CopyFrom(secret), Auth = Auth(null, null) };
        request.Auth.AccountSignature = Signature(CanonicalSessionEncoding.EncodeGrant(RequestMapping.ToGrant(request), request.Auth.Nonce, request.Auth.ExpiresAtUnixNanos), null);
        return request;
    }

    public RevokeSessionRequest Revoke(string sessionId)
    {
        var request = new RevokeSessionRequest { SessionId = sessionId, Auth = Auth(null, null) };
        request.Auth.AccountSignature = Signature(CanonicalSessionEncoding.EncodeRevoke(AccountId, sessionId, request.Auth.Nonce, request.Auth.ExpiresAtUnixNanos), null);
        return request;
    }

    private Authentication Auth(string? nonce, long? expiresAt) => new()
    {
        AccountId = AccountId,
        Nonce = nonce ?? NextNonce(),
        ExpiresAtUnixNanos = expiresAt ?? ExpiresIn(TimeSpan.FromSeconds(30)),
    };

    private AccountSignature Signature(byte[] canonical, Key? signWith)
    {
        var key = signWith ?? Key;
        return new AccountSignature
        {
            PublicKey = ByteString.CopyFrom(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)),
            Signature = ByteString.CopyFrom(SignatureAlgorithm.Ed25519.Sign(key, canonical)),
        };
    }
}
