using Clearing.Contracts.Gateway.V1;
using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.OrderGateway.Domain.Rules;

namespace Clearing.OrderGateway.Grpc;

/// <summary>A request that cannot even be read as a command (a field that is not a decimal, no proof): refused as malformed.</summary>
public sealed class MalformedRequestException(string message) : Exception(message)
{
    public Refusal Refusal { get; } = Rule.Refuse(Rule.Malformed, message);
}

/// <summary>gRPC requests → domain commands and proofs. Both the server and the client-side signer use it, so they encode alike.</summary>
public static class RequestMapping
{
    public static GatewayCommand ToCommand(PlaceOrderRequest request)
    {
        var order = request.Order ?? throw new MalformedRequestException("order is required");
        var auth = Auth(request.Auth);
        // Built in one go: a base command copied by `with` was a second command per order.
        return new GatewayCommand
        {
            Kind = CommandKind.Place,
            AccountId = auth.AccountId,
            Market = request.Market,
            Nonce = auth.Nonce,
            ExpiresAtUnixNanos = auth.ExpiresAtUnixNanos,
            OrderId = order.OrderId,
            Side = Enum<OrderSide>((int)order.Side, "side"),
            Type = Enum<OrderType>((int)order.Kind, "kind"),
            Price = Optional(order.Price, "price"),
            Quantity = Required(order.Quantity, "quantity"),
            TimeInForce = Enum<OrderTimeInForce>((int)order.TimeInForce, "time_in_force"),
            GoodTillUnixNanos = order.ExpireAtUnixNanos,
            PostOnly = order.PostOnly,
            ReduceOnly = order.ReduceOnly,
            SelfTrade = Enum<SelfTradeMode>((int)order.Stp, "stp"),
            TriggerPrice = Optional(order.TriggerPrice, "trigger_price"),
            MarginMode = Enum<MarginMode>((int)order.MarginMode, "margin_mode"),
            IsolatedCollateral = Optional(order.IsolatedCollateral, "isolated_collateral"),
            CollateralAsset = order.CollateralAsset,
            Mmp = order.Mmp,
        };
    }

    public static GatewayCommand ToCommand(CancelOrderRequest request) =>
        Base(CommandKind.Cancel, request.Market, request.Auth) with
        {
            OrderId = (request.Cancel ?? throw new MalformedRequestException("cancel is required")).OrderId,
        };

    public static GatewayCommand ToCommand(AmendOrderRequest request)
    {
        var amend = request.Amend ?? throw new MalformedRequestException("amend is required");
        return Base(CommandKind.Amend, request.Market, request.Auth) with
        {
            OrderId = amend.OrderId,
            Price = Required(amend.NewPrice, "new_price"),
            Quantity = Required(amend.NewQuantity, "new_quantity"),
        };
    }

    public static GatewayCommand ToCommand(CancelAllRequest request) => Base(CommandKind.CancelAll, request.Market, request.Auth);

    public static OrderProof ToProof(Authentication? auth) => auth?.ProofCase switch
    {
        Authentication.ProofOneofCase.AccountSignature => new AccountSignatureProof(auth.AccountSignature.PublicKey.ToByteArray(), auth.AccountSignature.Signature.ToByteArray()),
        Authentication.ProofOneofCase.Session => new SessionMacProof(auth.Session.SessionId, auth.Session.Mac.ToByteArray()),
        _ => throw new MalformedRequestException("auth must carry an account_signature or a session MAC"),
    };

    public static AccountSignatureProof ToAccountProof(Authentication? auth) =>
        ToProof(auth) as AccountSignatureProof
        ?? throw new MalformedRequestException("this call needs an account_signature: a session key cannot grant or revoke sessions");

    public static Domain.Authentication.SessionGrant ToGrant(GrantSessionRequest request)
    {
        var grant = request.Grant ?? throw new MalformedRequestException("grant is required");
        return new Domain.Authentication.SessionGrant(
            Auth(request.Auth).AccountId,
            grant.SessionId,
            grant.SecretSha256.ToByteArray(),
            grant.Markets.ToList(),
            Optional(grant.MaxOrderQuantity, "max_order_quantity"),
            grant.SessionExpiresAtUnixNanos);
    }

    public static Authentication Auth(Authentication? auth) => auth ?? throw new MalformedRequestException("auth is required");

    private static GatewayCommand Base(CommandKind kind, string market, Authentication? auth)
    {
        var a = Auth(auth);
        return new GatewayCommand
        {
            Kind = kind,
            AccountId = a.AccountId,
            Market = market,
            Nonce = a.Nonce,
            ExpiresAtUnixNanos = a.ExpiresAtUnixNanos,
        };
    }

    private static decimal Required(string text, string field) =>
        DecimalText.TryParse(text, out var value) is { } problem ? throw new MalformedRequestException($"{field} {problem}") : value;

    private static decimal? Optional(string text, string field) => string.IsNullOrEmpty(text) ? null : Required(text, field);

    /// <summary>The wire number as one of the gateway's byte enums, without boxing it (this ran five times per order).</summary>
    private static T Enum<T>(int value, string field)
        where T : struct, Enum
    {
        if (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != sizeof(byte))
        {
            throw new InvalidOperationException($"{typeof(T).Name} is not a byte enum");
        }

        if (value is >= 0 and <= byte.MaxValue)
        {
            var number = (byte)value;
            var candidate = System.Runtime.CompilerServices.Unsafe.As<byte, T>(ref number);
            if (System.Enum.IsDefined(candidate))
            {
                return candidate;
            }
        }

        throw new MalformedRequestException($"{field} {value} is not a known value");
    }
}
