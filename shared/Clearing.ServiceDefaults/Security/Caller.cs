namespace Clearing.ServiceDefaults.Security;

/// <summary>Who may call an endpoint. Every endpoint declares its callers; anything undeclared is refused.</summary>
public enum Caller
{
    /// <summary>A trading account: each request is signed with the account's registered Ed25519 key.</summary>
    Trader = 1,

    /// <summary>A human operator: a request signed with an operator key from configuration, or an operator client certificate.</summary>
    Operator = 2,

    /// <summary>Another Clearing service inside the cluster: mTLS client certificate, or the local Dapr sidecar.</summary>
    Service = 3,
}

/// <summary>Role claim values; one per <see cref="Caller"/>.</summary>
public static class ClearingRoles
{
    public const string Trader = "trader";
    public const string Operator = "operator";
    public const string Service = "service";

    public static string Of(Caller caller) => caller switch
    {
        Caller.Trader => Trader,
        Caller.Operator => Operator,
        Caller.Service => Service,
        _ => throw new ArgumentOutOfRangeException(nameof(caller), caller, "Unknown caller kind."),
    };
}

/// <summary>Claims the authentication handler puts on an authenticated caller.</summary>
public static class ClearingClaims
{
    /// <summary>The account a trader signed for: endpoints compare it with the account the request acts on.</summary>
    public const string Account = "clearing/account";

    /// <summary>The operator key id or certificate name.</summary>
    public const string Operator = "clearing/operator";

    /// <summary>The calling service (certificate name or Dapr app id).</summary>
    public const string Service = "clearing/service";

    /// <summary>How the caller proved who it is: "signature", "client-certificate" or "dapr".</summary>
    public const string Credential = "clearing/credential";
}
