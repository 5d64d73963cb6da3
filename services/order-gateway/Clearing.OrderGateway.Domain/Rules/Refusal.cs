namespace Clearing.OrderGateway.Domain.Rules;

/// <summary>
/// The status family of a refusal, named after the gRPC code the host answers with (the domain knows no gRPC). Each
/// acceptance-relevant rule has its own, so a client can branch on the code and read the rule for detail.
/// </summary>
public enum RefusalStatus
{
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    AlreadyExists,
    DeadlineExceeded,
    NotFound,
    OutOfRange,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    Unavailable,
}

/// <summary>Why a command was refused: the stable rule code, its status family, and a sentence for humans.</summary>
public sealed record Refusal(string Rule, RefusalStatus Status, string Detail)
{
    public override string ToString() => $"{Rule}: {Detail}";
}

/// <summary>Every rule the gateway enforces, as stable kebab-case codes (documented in the README).</summary>
public static class Rule
{
    public const string Malformed = "malformed";
    public const string UnknownAccount = "unknown-account";
    public const string BadSignature = "bad-signature";
    public const string WrongKey = "wrong-key";
    public const string UnknownSession = "unknown-session";
    public const string SessionRevoked = "session-revoked";
    public const string SessionExpired = "session-expired";
    public const string SessionMarket = "session-market";
    public const string SessionMaxSize = "session-max-size";
    public const string AccountKeyRequired = "account-key-required";
    public const string Expired = "expired";
    public const string ExpiryTooFar = "expiry-too-far";
    public const string ReplayedNonce = "replayed-nonce";
    public const string OrderIdConflict = "order-id-conflict";
    public const string RateLimit = "rate-limit";
    public const string UnknownMarket = "unknown-market";
    public const string MarketNotOpen = "market-not-open";
    public const string OffTick = "off-tick";
    public const string OffLot = "off-lot";
    public const string BelowMinSize = "below-min-size";
    public const string AboveMaxSize = "above-max-size";
    public const string PriceBand = "price-band";
    public const string NoMarkPrice = "no-mark-price";
    public const string NoMarginAccount = "no-margin-account";
    public const string AccountLiquidating = "account-liquidating";
    public const string InsufficientMargin = "insufficient-margin";
    public const string InsufficientIsolatedCollateral = "insufficient-isolated-collateral";

    /// <summary>The stack is behind (the gateway's outbox, or a watched consumer such as matching): new orders wait.</summary>
    public const string Backpressure = "backpressure";

    private static readonly Dictionary<string, RefusalStatus> Statuses = new(StringComparer.Ordinal)
    {
        [Malformed] = RefusalStatus.InvalidArgument,
        [UnknownAccount] = RefusalStatus.Unauthenticated,
        [BadSignature] = RefusalStatus.Unauthenticated,
        [WrongKey] = RefusalStatus.PermissionDenied,
        [UnknownSession] = RefusalStatus.Unauthenticated,
        [SessionRevoked] = RefusalStatus.PermissionDenied,
        [SessionExpired] = RefusalStatus.PermissionDenied,
        [SessionMarket] = RefusalStatus.PermissionDenied,
        [SessionMaxSize] = RefusalStatus.PermissionDenied,
        [AccountKeyRequired] = RefusalStatus.PermissionDenied,
        [Expired] = RefusalStatus.DeadlineExceeded,
        [ExpiryTooFar] = RefusalStatus.InvalidArgument,
        [ReplayedNonce] = RefusalStatus.AlreadyExists,
        [OrderIdConflict] = RefusalStatus.Aborted,
        [RateLimit] = RefusalStatus.ResourceExhausted,
        [UnknownMarket] = RefusalStatus.NotFound,
        [MarketNotOpen] = RefusalStatus.Unavailable,
        [OffTick] = RefusalStatus.InvalidArgument,
        [OffLot] = RefusalStatus.InvalidArgument,
        [BelowMinSize] = RefusalStatus.OutOfRange,
        [AboveMaxSize] = RefusalStatus.OutOfRange,
        [PriceBand] = RefusalStatus.OutOfRange,
        [NoMarkPrice] = RefusalStatus.Unavailable,
        [NoMarginAccount] = RefusalStatus.FailedPrecondition,
        [AccountLiquidating] = RefusalStatus.FailedPrecondition,
        [InsufficientMargin] = RefusalStatus.FailedPrecondition,
        [InsufficientIsolatedCollateral] = RefusalStatus.FailedPrecondition,
        [Backpressure] = RefusalStatus.ResourceExhausted,
    };

    public static IReadOnlyCollection<string> All => Statuses.Keys;

    public static Refusal Refuse(string rule, string detail) =>
        new(rule, Statuses.TryGetValue(rule, out var status) ? status : throw new ArgumentException($"unknown rule '{rule}'", nameof(rule)), detail);
}
